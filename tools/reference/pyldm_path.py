"""Makes tools/pyldm importable from tools/reference scripts."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pyldm"))
from unet import UNet2DConditionModel, UNetConfig, group_taps, load_state_dict  # noqa: E402,F401
