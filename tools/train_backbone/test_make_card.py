"""make_card.py's choice of the validation points it quotes (the rest of the card is checked by installing a model)."""
import sys
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_card import milestones  # noqa: E402


class Milestones(unittest.TestCase):
    def test_short_curves_are_quoted_whole(self):
        pts = [(0, 0.5), (200, 0.3), (400, 0.2)]
        self.assertEqual(milestones(pts, 12), pts)

    def test_long_curves_keep_first_last_and_even_steps(self):
        pts = [(s, 1.0 / (1 + s)) for s in range(0, 24001, 200)]  # 121 rows
        got = milestones(pts, 5)
        self.assertEqual([s for s, _ in got], [0, 6000, 12000, 18000, 24000])
        self.assertEqual(got[-1], pts[-1])

    def test_uneven_logging_picks_the_nearest_row_once(self):
        # a resumed run logs an extra end-of-session row, and the shipped model's own rows precede the run's
        pts = [(0, 0.5), (1000, 0.2), (1076, 0.15), (1276, 0.14), (9000, 0.05), (9001, 0.049), (20000, 0.04)]
        # targets 0, 6667, 13333, 20000: nearest rows 0, 9000, 9001, 20000
        self.assertEqual([s for s, _ in milestones(pts, 4)], [0, 9000, 9001, 20000])
        # two targets nearest the same row quote it once
        self.assertEqual([s for s, _ in milestones([(0, 1.0), (10, 0.5), (11, 0.4), (12, 0.3), (100, 0.1)], 4)], [0, 12, 100])

if __name__ == '__main__':
    unittest.main()
