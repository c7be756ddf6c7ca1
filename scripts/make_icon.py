"""Build resources/icons/hvdesk.ico (16 to 256 px, for Explorer, the taskbar and the installer)
from resources/icons/hvdesk.png: `.venv/bin/python scripts/make_icon.py`."""

from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
SIZES = [(16, 16), (24, 24), (32, 32), (48, 48), (64, 64), (128, 128), (256, 256)]

if __name__ == "__main__":
    image = Image.open(ROOT / "resources" / "icons" / "hvdesk.png").convert("RGBA")
    image.save(ROOT / "resources" / "icons" / "hvdesk.ico", sizes=SIZES)
    print(Image.open(ROOT / "resources" / "icons" / "hvdesk.ico").info["sizes"])
