#!/usr/bin/python3
"""Builds resources/crs/: the EPSG definitions the engine resolves offline.

Source: PROJ's proj.db (the EPSG dataset as shipped by PROJ, via GDAL's Python bindings), on Debian:
  apt-get install -y gdal-bin python3-gdal      then      /usr/bin/python3 tools/crs/build_epsg.py

Outputs (both gzip, written deterministically so a rebuild from the same proj.db gives identical bytes):
  epsg.tsv.gz      one line per CRS a GeoTIFF can name (ProjectedCSTypeGeoKey / GeographicTypeGeoKey):
                   code, kind (P projected, G geographic), units, name, proj4 definition.
                   Datum shifts: GDAL's guess (AddGuessedTOWGS84) first; where PROJ's preferred transformation is
                   grid-based (so no +towgs84), the most accurate EPSG Helmert transformation to WGS 84 instead,
                   so AOIs drawn in WGS 84 land within metres, not ~100 m, on datums such as OSGB36.
  geokeys.json.gz  tables for user-defined GeoKeys: datums (proj4 datum/ellipsoid/towgs84 terms), ellipsoids,
                   prime meridians (degrees), units (metres or radians per unit).
Licence: the EPSG Geodetic Parameter Dataset is free to use and redistribute with attribution (IOGP terms of
use, https://epsg.org/terms-of-use.html); PROJ is MIT. See resources/crs/SOURCE.md.
"""
import gzip
import io
import json
import math
import os
import re
import sqlite3
import sys

from osgeo import gdal, osr

gdal.UseExceptions()
osr.UseExceptions()

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'resources', 'crs')
DB = os.environ.get('PROJ_DB', '/usr/share/proj/proj.db')

ARCSEC_PER = {'9104': 1.0, '9101': 180 / math.pi * 3600, '9109': 180 / math.pi * 3600 * 1e-6,
              '1031': 1e-3, '9113': 0.324}
PPM_PER = {'9202': 1.0, '9201': 1e6, '1028': 1e-3}
METRE_PER = {'9001': 1.0, '1025': 1e-3}


def dms_to_degrees(v):
    """EPSG 'sexagesimal DMS' (unit 9110): D.MMSSsss packed in a decimal number."""
    sign = -1 if v < 0 else 1
    v = abs(v)
    d = math.floor(v)
    rest = round((v - d) * 100, 10)
    m = math.floor(rest)
    s = (rest - m) * 100
    return sign * (d + m / 60 + s / 3600)


def extent_of(db, table, code):
    row = db.execute(
        """select e.south_lat, e.north_lat, e.west_lon, e.east_lon from usage u join extent e
           on e.auth_name=u.extent_auth_name and e.code=u.extent_code
           where u.object_table_name=? and u.object_auth_name='EPSG' and u.object_code=? limit 1""", (table, str(code))).fetchone()
    return row


def contains(ext, lon, lat):
    if None in ext:
        return False
    s, n, w, e = ext
    if not (s <= lat <= n):
        return False
    return w <= lon <= e if w <= e else (lon >= w or lon <= e)


def best_helmert(db, geog_code, where=None):
    """The most accurate EPSG Helmert transformation to WGS 84 whose area of use contains `where` (lon, lat),
    else the most accurate of all: PROJ's own preference, minus the grid-based ones proj4js cannot apply."""
    rows = db.execute(
        """select method_code, tx, ty, tz, translation_uom_code, rx, ry, rz, rotation_uom_code,
                  scale_difference, scale_difference_uom_code, accuracy, code
           from helmert_transformation_table
           where source_crs_auth_name='EPSG' and source_crs_code=? and target_crs_auth_name='EPSG'
             and target_crs_code='4326' and deprecated=0 and auth_name='EPSG' and cast(method_code as text) in ('9603','9606','9607')
             and rate_tx is null""", (str(geog_code),)).fetchall()
    best = None
    for r in rows:
        method, tx, ty, tz, tu, rx, ry, rz, ru, sd, su, acc, code = [str(x) if i in (0, 4, 8, 10) and x is not None else x for i, x in enumerate(r)]
        if tu not in METRE_PER:
            continue
        t = [tx * METRE_PER[tu], ty * METRE_PER[tu], tz * METRE_PER[tu]]
        if method == '9603':
            p = t
        else:
            if ru not in ARCSEC_PER or su not in PPM_PER:
                continue
            rot = [x * ARCSEC_PER[ru] for x in (rx, ry, rz)]
            if method == '9607':  # coordinate frame rotation: proj4's towgs84 uses the position-vector sign
                rot = [-x for x in rot]
            p = t + rot + [sd * PPM_PER[su]]
        # Most accurate first; on a tie, the newest (highest code): EPSG adds better versions under new codes.
        ext = extent_of(db, 'helmert_transformation', code) if where else None
        inside = 0 if (ext and contains(ext, *where)) else 1
        key = (inside, acc if acc is not None else 1e9, -int(code))
        if best is None or key < best[0]:
            best = (key, p)
    return None if best is None else ','.join(fmt(x) for x in best[1])


def fmt(x):
    s = repr(round(x, 10))
    return s[:-2] if s.endswith('.0') else s


def units_of(srs):
    if srs.IsGeographic():
        return 'degree'
    f = srs.GetLinearUnits()
    if abs(f - 1) < 1e-12:
        return 'm'
    if abs(f - 0.3048) < 1e-12:
        return 'ft'
    if abs(f - 0.30480060960121924) < 1e-12:
        return 'us-ft'
    return 'unknown'


def base_geographic_code(db, kind, code):
    if kind == 'G':
        return code
    row = db.execute("select geodetic_crs_code from projected_crs where auth_name='EPSG' and code=?", (str(code),)).fetchone()
    return row[0] if row else None


# Ellipsoid names proj4js knows with PROJ's parameters; any other +ellps= is written out as +a/+rf (or +b) so
# proj4js, which silently falls back to WGS 84 for a name it does not know, gets the right figure.
PROJ4JS_ELLIPSOIDS = {'GRS80', 'WGS84', 'krass', 'intl', 'bessel', 'clrk66', 'airy'}


def proj_ellipsoids():
    import subprocess
    out = {}
    for line in subprocess.run(['proj', '-le'], capture_output=True, text=True, check=True).stdout.splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[1].startswith('a=') and (parts[2].startswith('rf=') or parts[2].startswith('b=')):
            out[parts[0]] = f"+{parts[1]} +{parts[2]}"
    return out


ELLIPSOIDS = proj_ellipsoids()


def portable(p4):
    def expand(m):
        name = m.group(1)
        return m.group(0) if name in PROJ4JS_ELLIPSOIDS or name not in ELLIPSOIDS else ELLIPSOIDS[name]
    return re.sub(r'\+ellps=(\S+)', expand, p4)


def proj4_of(db, kind, code):
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(int(code))
    try:
        srs.AddGuessedTOWGS84()
    except RuntimeError:
        pass
    p4 = srs.ExportToProj4().strip()
    # NAD27 in proj4 means NADCON grids, which proj4js does not have: use the best Helmert shift instead.
    nad27 = '+datum=NAD27' in p4
    if nad27 or ('+towgs84' not in p4 and '+datum=' not in p4 and '+nadgrids' not in p4):
        geog = base_geographic_code(db, kind, code)
        ext = extent_of(db, 'projected_crs' if kind == 'P' else 'geodetic_crs', code)
        where = None
        if ext and None not in ext:
            s_, n_, w_, e_ = ext
            e2 = e_ + 360 if e_ < w_ else e_
            lon = (w_ + e2) / 2
            where = (lon - 360 if lon > 180 else lon, (s_ + n_) / 2)
        tw = best_helmert(db, geog, where) if geog else None
        if tw:
            if nad27:
                p4 = p4.replace('+datum=NAD27', '+ellps=clrk66')
            p4 = p4.replace(' +no_defs', f' +towgs84={tw} +no_defs')
    return srs, portable(p4)


def main():
    db = sqlite3.connect(DB)
    version = dict(db.execute("select key, value from metadata").fetchall())
    codes = [('P', r[0]) for r in db.execute("select code from projected_crs where auth_name='EPSG' order by cast(code as integer)")]
    codes += [('G', r[0]) for r in db.execute(
        "select code from geodetic_crs where auth_name='EPSG' and type in ('geographic 2D','geographic 3D') order by cast(code as integer)")]
    lines = []
    failed = []
    for kind, code in codes:
        try:
            srs, p4 = proj4_of(db, kind, code)
        except RuntimeError as e:
            failed.append((code, str(e)))
            continue
        if not p4 or '+proj=' not in p4:
            failed.append((code, 'no PROJ.4 form'))
            continue
        name = (srs.GetName() or '').replace('\t', ' ')
        lines.append(f"{int(code)}\t{kind}\t{units_of(srs)}\t{name}\t{p4}")
    lines.sort(key=lambda l: int(l.split('\t', 1)[0]))
    header = f"# EPSG {version.get('EPSG.VERSION', '?')} from PROJ {version.get('PROJ.VERSION', '?')} proj.db; code\tkind\tunits\tname\tproj4\n"
    write_gz('epsg.tsv.gz', (header + '\n'.join(lines) + '\n').encode('utf-8'))

    datums = {}
    for (code, ell, pm) in db.execute("select code, ellipsoid_code, prime_meridian_code from geodetic_datum where auth_name='EPSG'"):
        row = db.execute("select code from geodetic_crs where auth_name='EPSG' and datum_code=? and type='geographic 2D' "
                         "order by deprecated, cast(code as integer) limit 1", (code,)).fetchone()
        if not row:
            continue
        try:
            _, p4 = proj4_of(db, 'G', row[0])
        except RuntimeError:
            continue
        terms = [t for t in p4.split() if re.match(r'\+(datum|ellps|a|b|rf|towgs84|nadgrids|pm)=', t)]
        datums[int(code)] = ' '.join(terms)
    uom = {r[0]: (r[1], r[2]) for r in db.execute("select code, type, conv_factor from unit_of_measure where auth_name='EPSG'")}
    ellipsoids = {}
    for (code, a, ucode, rf, b) in db.execute("select code, semi_major_axis, uom_code, inv_flattening, semi_minor_axis from ellipsoid where auth_name='EPSG'"):
        f = uom.get(ucode, ('length', 1.0))[1] or 1.0
        ellipsoids[int(code)] = [a * f, rf if rf is not None else None, b * f if b is not None else None]
    pms = {}
    for (code, lon, ucode) in db.execute("select code, longitude, uom_code from prime_meridian where auth_name='EPSG'"):
        if ucode == '9110':
            deg = dms_to_degrees(lon)
        else:
            deg = lon * (uom.get(ucode, ('angle', math.pi / 180))[1] or math.pi / 180) * 180 / math.pi
        pms[int(code)] = round(deg, 12)
    units = {int(c): [t, f] for c, (t, f) in uom.items() if f is not None and t in ('length', 'angle')}
    tables = {'epsgVersion': version.get('EPSG.VERSION'), 'datums': datums, 'ellipsoids': ellipsoids,
              'primeMeridians': pms, 'units': units}
    write_gz('geokeys.json.gz', json.dumps(tables, sort_keys=True, separators=(',', ':')).encode('utf-8'))
    print(f"epsg.tsv.gz: {len(lines)} CRS ({len(failed)} without a PROJ.4 form); geokeys.json.gz: {len(datums)} datums, "
          f"{len(ellipsoids)} ellipsoids, {len(pms)} prime meridians, {len(units)} units", file=sys.stderr)
    for code, why in failed[:20]:
        print(f"  skipped EPSG:{code}: {why}", file=sys.stderr)


def write_gz(name, data):
    buf = io.BytesIO()
    with gzip.GzipFile(filename='', mode='wb', fileobj=buf, compresslevel=9, mtime=0) as g:
        g.write(data)
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, name), 'wb') as f:
        f.write(buf.getvalue())


if __name__ == '__main__':
    main()
