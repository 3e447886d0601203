"""QR codes: what :mod:`teranga.core.qr` draws is decoded by a real reader (zxing-cpp),
from the SVG itself: the path segno draws is painted module by module onto an image."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from urllib.parse import unquote

import pytest
import zxingcpp
from PIL import Image

from teranga.core.qr import qr_data_uri, qr_svg

SVG_NS = "{http://www.w3.org/2000/svg}"
DATA_URI_PREFIX = "data:image/svg+xml;charset=utf-8,"
PIXELS_PER_MODULE = 8


def modules(svg: str) -> tuple[Image.Image, int]:
    """The symbol as one pixel per module (border included), and the SVG's scale.

    segno draws one path of horizontal runs: ``M x y`` / ``m dx dy`` move, ``h n``
    draws ``n`` dark modules on the row whose centre line is ``y``."""
    root = ET.fromstring(svg)
    path = root.find(f"{SVG_NS}path")
    scale = int(re.fullmatch(r"scale\((\d+)\)", path.get("transform")).group(1))
    width, height = int(root.get("width")), int(root.get("height"))
    assert width == height and width % scale == 0
    size = width // scale
    image = Image.new("L", (size, size), 255)
    x = y = 0.0
    for command, arguments in re.findall(r"([A-Za-z])([^A-Za-z]*)", path.get("d")):
        numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", arguments)]
        if command == "M":
            x, y = numbers
        elif command == "m":
            x, y = x + numbers[0], y + numbers[1]
        elif command == "h":
            for column in range(int(x), int(x + numbers[0])):
                image.putpixel((column, int(y - 0.5)), 0)
            x += numbers[0]
        else:
            raise AssertionError(f"unexpected path command {command!r}")
    return image, scale


def decode(svg: str):
    image, _scale = modules(svg)
    big = image.resize(
        (image.width * PIXELS_PER_MODULE, image.height * PIXELS_PER_MODULE), Image.NEAREST
    )
    found = zxingcpp.read_barcodes(big)
    assert len(found) == 1
    return found[0]


def svg_of(data_uri: str) -> str:
    assert data_uri.startswith(DATA_URI_PREFIX)
    return unquote(data_uri[len(DATA_URI_PREFIX) :])


CONTENTS = ["TERANGA-SQ:ABCD2345", "https://teranga.example/e/9XK4TQ2M/", "1", "Ndéye Fàll"]


@pytest.mark.parametrize("content", CONTENTS)
@pytest.mark.parametrize("draw", [qr_svg, lambda content: svg_of(qr_data_uri(content))])
def test_what_is_drawn_decodes_to_the_content(draw, content):
    found = decode(draw(content))
    assert found.text == content
    assert found.format == zxingcpp.BarcodeFormat.QRCode  # never a Micro QR, even for "1"
    assert found.ec_level in ("M", "Q", "H")  # level M at least


def test_svg_markup_is_inline_and_scaled():
    svg = qr_svg("TERANGA-SQ:ABCD2345")
    assert svg.startswith("<svg") and "<?xml" not in svg
    assert 'xmlns="http://www.w3.org/2000/svg"' in svg
    image, scale = modules(svg)
    assert scale == 4
    _image, bigger = modules(qr_svg("TERANGA-SQ:ABCD2345", scale=5))
    assert bigger == 5
    _image, data_scale = modules(svg_of(qr_data_uri("TERANGA-SQ:ABCD2345", scale=6)))
    assert data_scale == 6


@pytest.mark.parametrize("draw", [qr_svg, lambda content: svg_of(qr_data_uri(content))])
def test_the_quiet_zone_is_two_modules(draw):
    image, _scale = modules(draw("TERANGA-SQ:ABCD2345"))
    size = image.width
    assert (size - 2 * 2 - 17) % 4 == 0  # a QR symbol is 17 + 4 × version modules wide
    light_border = [
        image.getpixel((x, y))
        for x in range(size)
        for y in range(size)
        if min(x, y) < 2 or max(x, y) >= size - 2
    ]
    assert set(light_border) == {255}
    # the finder patterns' corners start right inside the quiet zone
    for corner in ((2, 2), (size - 3, 2), (2, size - 3)):
        assert image.getpixel(corner) == 0
