"""GCJ-02 ⇄ WGS-84, the two datums a Chinese street's coordinates come in, without any service.

Chinese maps (AMap/高德, Tencent, and the coordinates people copy from them) give positions in
GCJ-02, the obfuscated datum China's surveying law requires of published maps; GPS receivers
and OpenStreetMap use WGS-84. The two differ by up to a few hundred metres.

``wgs84_to_gcj02`` is the standard, public forward transform (Krasovsky-1940 ellipsoid
constants and the well-known offset polynomials). It has no closed-form inverse;
``gcj02_to_wgs84`` inverts it by fixed-point iteration - guess WGS = GCJ, move the guess by
the error ``forward(guess) - GCJ``, repeat until the error is below ~1e-9 degrees (well under
a millimetre; it converges in a handful of steps because the offset varies slowly).

Outside China (the rough bounding box of ``in_china``) GCJ-02 equals WGS-84 and both functions
return their input unchanged. Pure functions: no database, no network.
"""

from __future__ import annotations

import math

#: Semi-major axis and eccentricity squared of the Krasovsky 1940 ellipsoid the transform uses.
_A = 6378245.0
_EE = 0.00669342162296594323

#: The rough box (longitude, latitude) inside which coordinates count as Chinese.
CHINA_LONGITUDE = (72.004, 137.8347)
CHINA_LATITUDE = (0.8293, 55.8271)


def in_china(longitude: float, latitude: float) -> bool:
    """Whether a point lies in the box where the GCJ-02 offset applies (and imports accept)."""
    return CHINA_LONGITUDE[0] <= longitude <= CHINA_LONGITUDE[1] and CHINA_LATITUDE[0] <= latitude <= CHINA_LATITUDE[1]


def _offset_latitude(x: float, y: float) -> float:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return ret


def _offset_longitude(x: float, y: float) -> float:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return ret


def wgs84_to_gcj02(longitude: float, latitude: float) -> tuple[float, float]:
    """The GCJ-02 ``(longitude, latitude)`` of a WGS-84 point (unchanged outside China)."""
    if not in_china(longitude, latitude):
        return longitude, latitude
    d_lat = _offset_latitude(longitude - 105.0, latitude - 35.0)
    d_lng = _offset_longitude(longitude - 105.0, latitude - 35.0)
    rad = latitude / 180.0 * math.pi
    magic = 1 - _EE * math.sin(rad) ** 2
    sqrt_magic = math.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrt_magic) * math.pi)
    d_lng = (d_lng * 180.0) / (_A / sqrt_magic * math.cos(rad) * math.pi)
    return longitude + d_lng, latitude + d_lat


def gcj02_to_wgs84(longitude: float, latitude: float, *, tolerance: float = 1e-9, max_steps: int = 30) -> tuple[float, float]:
    """The WGS-84 ``(longitude, latitude)`` of a GCJ-02 point, by iterating the forward transform
    until it reproduces the input within ``tolerance`` degrees (unchanged outside China)."""
    if not in_china(longitude, latitude):
        return longitude, latitude
    lng, lat = longitude, latitude
    for _ in range(max_steps):
        fwd_lng, fwd_lat = wgs84_to_gcj02(lng, lat)
        err_lng, err_lat = fwd_lng - longitude, fwd_lat - latitude
        if abs(err_lng) < tolerance and abs(err_lat) < tolerance:
            break
        lng, lat = lng - err_lng, lat - err_lat
    return lng, lat
