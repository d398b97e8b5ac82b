import { describe, expect, it } from 'vitest';
import { parseMetadataItems, parsePamCategories } from '../../../../src/engine/export/geotiff/carry-over';
import { gdalMetadataXml } from '../../../../src/engine/export/geotiff/gdal-metadata';

describe('carrying GDAL metadata over', () => {
  it('reads items with band, role and domain, unescaping XML, and drops what GDAL could not key on', () => {
    const xml = '<GDALMetadata>\n  <Item name="A&amp;B_OK" domain="IMAGERY">x &amp;lt;1&amp;gt; &amp;#233;</Item>\n  <Item name="DESCRIPTION" sample="2" role="description">NIR</Item>\n  <Item name="SCALE" sample="0" role="scale">0.0001</Item>\n  <Item name="EMPTY"/>\n  <Item name="bad name">v</Item>\n  <Item name="X" role="weird">w</Item>\n</GDALMetadata>';
    expect(parseMetadataItems(xml)).toEqual([
      { name: 'DESCRIPTION', value: 'NIR', band: 2, role: 'description' },
      { name: 'SCALE', value: '0.0001', band: 0, role: 'scale' },
      { name: 'EMPTY', value: '' },
      { name: 'X', value: 'w' },
    ]);
  });

  it('reads values as GDAL wrote them (escaped twice)', () => {
    // The tag text of `gdal_translate -mo 'MODEL=a "q" <m> & co &amp; x'` (GDAL 3.6), byte for byte.
    const xml = '<GDALMetadata>\n  <Item name="MODEL">a &amp;quot;q&amp;quot; &amp;lt;m&amp;gt; &amp;amp; co &amp;amp;amp; x</Item>\n</GDALMetadata>\n';
    expect(parseMetadataItems(xml)).toEqual([{ name: 'MODEL', value: 'a "q" <m> & co &amp; x' }]);
    expect(gdalMetadataXml([{ name: 'MODEL', value: 'a "q" <m> & co &amp; x' }])).toBe(xml);
  });

  it('round-trips what the writer writes', () => {
    const items = [
      { name: 'MODEL', value: 'a "quoted" <model> & co' },
      { name: 'CLASS_3', value: 'urban', band: 0 },
      { name: 'DESCRIPTION', value: 'Red', band: 0, role: 'description' as const },
      { name: 'SUN_ELEVATION', value: '41.2', domain: 'IMAGERY' },
    ];
    expect(parseMetadataItems(gdalMetadataXml(items)!)).toEqual(items);
  });

  it('reads category names of band 1 from a PAM sidecar, gaps as null', () => {
    const pam = '<PAMDataset>\n  <PAMRasterBand band="2">\n    <CategoryNames><Category>no</Category></CategoryNames>\n  </PAMRasterBand>\n  <PAMRasterBand band="1">\n    <CategoryNames>\n      <Category>water</Category>\n      <Category />\n      <Category>R&amp;D</Category>\n    </CategoryNames>\n  </PAMRasterBand>\n</PAMDataset>';
    expect(parsePamCategories(pam)).toEqual(['water', null, 'R&D']);
    expect(parsePamCategories('<PAMDataset><PAMRasterBand band="1"><Metadata/></PAMRasterBand></PAMDataset>')).toBeNull();
  });
});
