// The default head's model card (models/satdifuser-tiny/heads/sample-landcover/model_card.md), written from the
// figures train.mjs measured, so the card never disagrees with evaluation.json.

const pct = (v) => (v === null || v === undefined ? '–' : `${(100 * v).toFixed(1)} %`);

function cvRow(label, cv) {
  const h = cv.heldOutPolygons;
  const iou = ['water', 'vegetation', 'built-up'].map((c) => pct(h.perClass[c].iou));
  return `| ${label} | ${pct(h.overallAccuracy)} | ${pct(h.mIoU)} | ${iou.join(' | ')} | ${pct(h.majorityCorrect)} |`;
}

export function modelCard(ev, card) {
  const cv = ev.crossValidation;
  const train = ev.shippedHead.trainingPolygons;
  const rules = ev.shippedHead.spectralRules;
  const share = ev.shippedHead.classShare;
  const classes = card.classes.map((c) => `\`${c.id}\` ${c.name} (${c.color})`).join(', ');
  return `# sample-landcover: the default backbone's demonstration head

**What it is:** a light SatDiFuser segmentation head (Global Weighted fusion + light UPerNet, ${card.parameters.toLocaleString('en')}
parameters) trained on the default backbone (\`models/satdifuser-tiny\`) from **21 label polygons of one Landsat 7
scene** (the bundled sample, \`resources/sample/L7_ETMs.tif\`, bands 3, 2, 1 as RGB, 28.5 m). Three classes: ${classes}.
The polygons are 8 × 8-pixel squares drawn automatically from spectral rules (\`tools/datasets/sample_labels.py\`:
water NIR < 25; vegetation NDVI > 0.25; built-up NDVI < 0.05 and NIR > 40), 7 per class.

**What it is not:** a land-cover model. It has seen one scene, 1,344 labelled pixels, three classes defined by
band thresholds, and it is fed RGB only (the rules use the near infrared it never sees). It exists so that
\`satdifuser demo\`, \`satdifuser segment --default\` and the app do the whole job on a fresh install. Train your own
head on your own labels (\`satdifuser train\`, or the app's Training panel) for real work.

## How it was made

\`${ev.command}\` (${ev.seconds} s on this project's shared 2-core CPU, one onnxruntime thread, seed ${ev.seed}), which
runs the project's own CLI:

\`\`\`
${ev.train}
\`\`\`

on ${ev.windows.length} georeferenced 256² windows cut from the scene (a ${Math.round(Math.sqrt(ev.windows.length))} × ${Math.round(Math.sqrt(ev.windows.length))} lattice from edge to edge,
\`gdal_translate -srcwin\`), so every polygon is seen unpadded at several places in a tile, as segmentation will show
it. ${card.training.epochs} epochs, best at epoch ${card.training.bestEpoch}, ${card.training.steps} steps on 128-px crops.

## Held-out figures (${cv.folds}-fold cross-validation by polygon)

The polygons of each class are shuffled (seed ${ev.seed}) and dealt into ${cv.folds} folds; each round trains a head on the
other folds, segments the whole scene with \`satdifuser segment\`, and GDAL scores the held-out polygons on that mask
(\`tools/default_head/agreement.py\`). Pooled over the rounds, every polygon is scored once, unseen. The same
protocol with the \`pixels\` backbone (the image itself at the four tap scales, no diffusion features) is the
baseline.

| backbone | pixel accuracy | mIoU | IoU water | IoU vegetation | IoU built-up | polygons whose majority class is right |
|---|---|---|---|---|---|---|
${cvRow('default (satdifuser-tiny)', cv)}
${ev.baseline ? cvRow(`${ev.baseline.backbone} (baseline)`, ev.baseline) : ''}

Per round (default backbone): ${cv.rounds.map((r, k) => `fold ${k + 1}: ${pct(r.agree)} of pixels, ${pct(r.majorityCorrect)} of polygons`).join('; ')}.

**Read this honestly:** on unseen polygons the head built on the default backbone is ${cv.heldOutPolygons.overallAccuracy < (ev.baseline?.heldOutPolygons.overallAccuracy ?? 0) ? 'clearly worse than the pixels baseline' : 'no worse than the pixels baseline'}
(three balanced classes: chance is 33 %).
The shipped default backbone is a CPU-fallback model (see its card: its autoencoder keeps little below 8 px and its
UNet has learned no objects), and 8 × 8-pixel polygons are one cell of its finest feature map. 14 training polygons
per round are also very few. These numbers measure that backbone on this toy task, not SatDiFuser's method.

## The shipped head (trained on all 21 polygons)

- On its own training polygons (not a generalisation figure): ${pct(train.agree)} of the pixels, majority class right on
  ${pct(train.majorityCorrect)} of the polygons.
- Over the whole scene, where exactly one spectral rule holds (pixels it mostly never saw): water ${pct(rules.water.agree)}
  of ${rules.water.pixels.toLocaleString('en')} px, vegetation ${pct(rules.vegetation.agree)} of ${rules.vegetation.pixels.toLocaleString('en')} px, built-up
  ${pct(rules['built-up'].agree)} of ${rules['built-up'].pixels.toLocaleString('en')} px labelled as the rule says.
- Share of the scene per class: water ${pct(share.water)}, vegetation ${pct(share.vegetation)}, built-up ${pct(share['built-up'])}.

## Use and compatibility

\`satdifuser segment <raster> --default\` and \`satdifuser demo\` find it in the default backbone's \`heads/\` folder
(docs/default-head.md). Like any head it is checked before a run: the backbone's weights hash must be
\`${ev.backboneWeightsHash}\` (the head is refused on any other backbone), the raster needs at least 3 bands
(bands 3, 2, 1 are used), and a raster whose ground sample distance is outside ${(card.input.gsdMetres[0] / 1.5).toFixed(0)}–${(card.input.gsdMetres[1] * 1.5).toFixed(0)} m gets a warning.

Files: \`head.json\` (the card the engine reads), \`weights.safetensors\` (sha256 \`${ev.weightsSha256}\`),
\`evaluation.json\` (every figure above, per round and per class, with confusion matrices).
`;
}
