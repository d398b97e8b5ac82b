#!/usr/bin/python3
"""Reference projections by PROJ (through GDAL's osr) for a sample of EPSG projected CRSs.
stdin: {"codes": [...]}; stdout: {"points": [{"code", "base", "lon", "lat", "x", "y"}]}: (lon, lat) is the centre
of the CRS's area of use, in its own geographic base CRS (so no datum transformation is involved)."""
import json
import sqlite3
import sys

from osgeo import osr

osr.UseExceptions()
db = sqlite3.connect('/usr/share/proj/proj.db')
out = []
for code in json.load(sys.stdin)['codes']:
    row = db.execute(
        """select p.geodetic_crs_code, e.south_lat, e.north_lat, e.west_lon, e.east_lon
           from projected_crs p join usage u on u.object_table_name='projected_crs' and u.object_auth_name='EPSG'
             and u.object_code=p.code join extent e on e.auth_name=u.extent_auth_name and e.code=u.extent_code
           where p.auth_name='EPSG' and p.code=?""", (str(code),)).fetchone()
    if not row:
        continue
    base, s, n, w, e = row
    if None in (s, n, w, e):
        continue
    if e < w:
        e += 360
    lon = (w + e) / 2
    lon = lon - 360 if lon > 180 else lon
    lat = (s + n) / 2
    try:
        src = osr.SpatialReference(); src.ImportFromEPSG(int(base))
        dst = osr.SpatialReference(); dst.ImportFromEPSG(int(code))
        for sr in (src, dst):
            sr.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
        x, y = osr.CoordinateTransformation(src, dst).TransformPoint(lon, lat)[:2]
    except RuntimeError:
        continue
    out.append({'code': code, 'base': int(base), 'lon': lon, 'lat': lat, 'x': x, 'y': y})
print(json.dumps({'points': out}))
