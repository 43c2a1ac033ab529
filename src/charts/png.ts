import { existsSync } from "node:fs";
import { Resvg } from "@resvg/resvg-js";

/** Font files tried first (Debian's DejaVu), so text renders even where fontconfig finds none. */
const FONT_FILES = [
  "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
  "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
];

/**
 * Render an SVG chart to PNG with resvg (in-process, no browser). `scale` multiplies the SVG's
 * size (2 = crisp on high-density screens).
 */
export function svgToPng(svg: string, scale = 2): Buffer {
  const resvg = new Resvg(svg, {
    fitTo: { mode: "zoom", value: scale },
    background: "#ffffff",
    font: {
      loadSystemFonts: true,
      fontFiles: FONT_FILES.filter((f) => existsSync(f)),
      defaultFontFamily: "DejaVu Sans",
      sansSerifFamily: "DejaVu Sans",
    },
  });
  return resvg.render().asPng();
}
