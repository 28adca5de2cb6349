"""Draw the installable app's icons (static/icons/*.png) from the same calm curve as static/icon.svg.

Run once after changing the design, and commit the PNGs: the app never draws them at run time.
    .venv/bin/python scripts/make_icons.py
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

ICONS = Path(__file__).parents[1] / "src" / "pelvicore" / "web" / "static" / "icons"
ACCENT = (0x6B, 0x2D, 0x8F)  # --accent in static/app.css
WHITE = (255, 255, 255)
SUPERSAMPLE = 4


def curve(size: int, inset: float) -> list[tuple[float, float]]:
    """icon.svg's rise and fall (M6 20 c4 0 5-9 10-9 s6 9 10 9 on a 32 grid), as points on a ``size`` square whose
    drawing sits ``inset`` (a fraction of the side) in from each edge."""
    points = []
    for start, c1, c2, end in (((6, 20), (10, 20), (11, 11), (16, 11)), ((16, 11), (21, 11), (22, 20), (26, 20))):
        for i in range(401):
            t = i / 400
            x = (1 - t) ** 3 * start[0] + 3 * (1 - t) ** 2 * t * c1[0] + 3 * (1 - t) * t**2 * c2[0] + t**3 * end[0]
            y = (1 - t) ** 3 * start[1] + 3 * (1 - t) ** 2 * t * c1[1] + 3 * (1 - t) * t**2 * c2[1] + t**3 * end[1]
            points.append((x, y))
    # Centre the curve (it spans y 11..20 on the 32 grid) and fit the grid inside the inset square.
    span = size * (1 - 2 * inset)
    return [(size * inset + x / 32 * span, size * inset + (y - 15.5 + 16) / 32 * span) for x, y in points]


def draw(size: int, *, maskable: bool) -> Image.Image:
    """A ``size`` px icon. Maskable: a full-bleed square with the curve in the middle 60 % (the safe zone a
    launcher's mask never cuts); otherwise a rounded square, as icon.svg."""
    big = size * SUPERSAMPLE
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    if maskable:
        pen.rectangle((0, 0, big, big), fill=ACCENT)
        inset = 0.2
    else:
        pen.rounded_rectangle((0, 0, big - 1, big - 1), radius=big * 7 // 32, fill=ACCENT)
        inset = 0.0
    width = round(big * (1 - 2 * inset) * 3 / 32)
    points = curve(big, inset)
    # A round pen along the curve: smooth joins and round caps (stroke-linecap="round"), no seams between segments.
    for x, y in points:
        pen.ellipse((x - width / 2, y - width / 2, x + width / 2, y + width / 2), fill=WHITE)
    return image.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    ICONS.mkdir(parents=True, exist_ok=True)
    for size in (192, 512):
        draw(size, maskable=False).save(ICONS / f"icon-{size}.png", optimize=True)
    draw(512, maskable=True).save(ICONS / "icon-maskable-512.png", optimize=True)
    # iOS puts its own rounded mask on the home-screen icon and shows transparency as black: full bleed.
    draw(180, maskable=True).convert("RGB").save(ICONS / "apple-touch-icon-180.png", optimize=True)


if __name__ == "__main__":
    main()
