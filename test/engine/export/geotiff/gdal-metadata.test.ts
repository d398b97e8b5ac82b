import { describe, expect, it } from 'vitest';
import { classNameItems, gdalMetadataXml, pamCategoriesXml, provenanceItems } from '../../../../src/engine/export/geotiff/gdal-metadata';
import { InvalidArgumentError } from '../../../../src/shared/errors';

describe('GDAL metadata XML', () => {
  it('writes dataset and band items as GDAL does, values escaped twice (as value, then as XML text)', () => {
    const xml = gdalMetadataXml([
      ...provenanceItems({ model: 'satdifuser-small <v1>', fusion: 'gw', sourceFile: 'a&b.tif', extra: { run_id: '7' } }),
      { name: 'DESCRIPTION', value: 'NIR "b4"', band: 3, role: 'description' },
      ...classNameItems(['water', null, 'urban']),
    ]);
    expect(xml).toBe([
      '<GDALMetadata>',
      '  <Item name="MODEL">satdifuser-small &amp;lt;v1&amp;gt;</Item>',
      '  <Item name="FUSION">gw</Item>',
      '  <Item name="SOURCE_FILE">a&amp;amp;b.tif</Item>',
      '  <Item name="RUN_ID">7</Item>',
      '  <Item name="DESCRIPTION" sample="3" role="description">NIR &amp;quot;b4&amp;quot;</Item>',
      '  <Item name="CLASS_0" sample="0">water</Item>',
      '  <Item name="CLASS_2" sample="0">urban</Item>',
      '</GDALMetadata>',
      '',
    ].join('\n'));
    expect(gdalMetadataXml([])).toBeNull();
  });

  it('rejects names GDAL cannot key on and text XML cannot carry', () => {
    expect(() => gdalMetadataXml([{ name: 'has space', value: 'x' }])).toThrow(InvalidArgumentError);
    expect(() => gdalMetadataXml([{ name: 'OK', value: 'bell\u0007' }])).toThrow(/control characters/);
  });

  it('writes category names as a PAM sidecar, gaps as empty categories', () => {
    expect(pamCategoriesXml(['water', null, 'R&D'])).toBe([
      '<PAMDataset>', '  <PAMRasterBand band="1">', '    <CategoryNames>',
      '      <Category>water</Category>', '      <Category />', '      <Category>R&amp;D</Category>',
      '    </CategoryNames>', '  </PAMRasterBand>', '</PAMDataset>', '',
    ].join('\n'));
  });
});
