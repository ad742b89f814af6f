//! Printable label artwork: the level mark, the QR code of the product
//! page and the label ID, as SVG for print shops and as PNG at print
//! resolution.
//!
//! The SVG carries every glyph as an outline (no font needed where it is
//! printed, as packaging artwork usually requires), cut from the DejaVu
//! subsets in `assets/fonts` with `ttf-parser`. The PNG is that same SVG
//! rendered by `resvg`, so the two can never disagree, with its physical
//! resolution recorded so it prints at the stated size.
//!
//! Geometry is in millimetres in a fixed 30 × 42 design box; the three
//! sizes only change the printed `width`/`height`. At the smallest size a
//! QR module is still above 0.3 mm, which ordinary phone cameras read.

use std::fmt::Write as _;

use starmark_registry::label_id::LabelId;

const SANS_BOLD: &[u8] = include_bytes!("../assets/fonts/DejaVuSans-Bold-subset.ttf");
const MONO_BOLD: &[u8] = include_bytes!("../assets/fonts/DejaVuSansMono-Bold-subset.ttf");

/// Width and height of the design box, in millimetres at [`Size::Medium`].
const W: f32 = 30.0;
const H: f32 = 42.0;

/// Printed sizes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Size {
    /// 20 mm wide: small devices and their boxes.
    Small,
    /// 30 mm wide: the default.
    Medium,
    /// 45 mm wide: retail packaging.
    Large,
}

impl Size {
    pub(crate) fn parse(s: Option<&str>) -> Option<Size> {
        match s {
            None | Some("medium") => Some(Size::Medium),
            Some("small") => Some(Size::Small),
            Some("large") => Some(Size::Large),
            Some(_) => None,
        }
    }

    fn scale(self) -> f32 {
        match self {
            Size::Small => 2.0 / 3.0,
            Size::Medium => 1.0,
            Size::Large => 1.5,
        }
    }

    /// Printed width and height in millimetres.
    pub(crate) fn mm(self) -> (f32, f32) {
        (W * self.scale(), H * self.scale())
    }
}

/// Pixels per millimetre of the PNG: 600 dpi.
const PNG_PX_PER_MM: f32 = 600.0 / 25.4;

/// Writes a number for SVG path data: three decimals, no trailing zeros.
fn num(out: &mut String, v: f32) {
    let r = (v * 1000.0).round() / 1000.0;
    let _ = write!(out, "{r}");
}

/// Turns glyph outlines into SVG path data, placed and scaled.
struct PathSink<'a> {
    out: &'a mut String,
    x: f32,
    y: f32,
    scale: f32,
}

impl PathSink<'_> {
    fn pt(&mut self, x: f32, y: f32) {
        num(self.out, self.x + x * self.scale);
        self.out.push(' ');
        // Font units grow upwards, SVG units downwards.
        num(self.out, self.y - y * self.scale);
        self.out.push(' ');
    }
}

impl ttf_parser::OutlineBuilder for PathSink<'_> {
    fn move_to(&mut self, x: f32, y: f32) {
        self.out.push('M');
        self.pt(x, y);
    }
    fn line_to(&mut self, x: f32, y: f32) {
        self.out.push('L');
        self.pt(x, y);
    }
    fn quad_to(&mut self, x1: f32, y1: f32, x: f32, y: f32) {
        self.out.push('Q');
        self.pt(x1, y1);
        self.pt(x, y);
    }
    fn curve_to(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, x: f32, y: f32) {
        self.out.push('C');
        self.pt(x1, y1);
        self.pt(x2, y2);
        self.pt(x, y);
    }
    fn close(&mut self) {
        self.out.push('Z');
    }
}

/// A line of text as one outlined path.
struct Text {
    font: &'static [u8],
    text: String,
}

impl Text {
    /// Advance width of the text in font units.
    fn units(&self, face: &ttf_parser::Face<'_>) -> f32 {
        self.text
            .chars()
            .filter_map(|c| face.glyph_index(c))
            .map(|g| f32::from(face.glyph_hor_advance(g).unwrap_or(0)))
            .sum()
    }

    /// Path data of the text with cap height `cap` (mm), baseline at `y`,
    /// centred on `cx`, shrunk if needed to fit `max_width`.
    fn path(&self, cap: f32, cx: f32, y: f32, max_width: f32) -> String {
        let mut out = String::new();
        let Ok(face) = ttf_parser::Face::parse(self.font, 0) else { return out };
        let cap_units = face.capital_height().map_or(f32::from(face.units_per_em()) * 0.73, f32::from);
        let mut scale = cap / cap_units;
        let width = self.units(&face) * scale;
        if width > max_width {
            scale *= max_width / width;
        }
        let mut pen = cx - self.units(&face) * scale / 2.0;
        for c in self.text.chars() {
            // Characters outside the subset are skipped: the texts drawn are
            // label IDs and fixed words, all inside it (tested).
            let Some(g) = face.glyph_index(c) else { continue };
            let mut sink = PathSink { out: &mut out, x: pen, y, scale };
            face.outline_glyph(g, &mut sink);
            pen += f32::from(face.glyph_hor_advance(g).unwrap_or(0)) * scale;
        }
        out
    }
}

/// A five-pointed star of outer radius `r` centred on (`cx`, `cy`).
fn star(out: &mut String, cx: f32, cy: f32, r: f32) {
    let inner = r * 0.382;
    for i in 0..10u8 {
        let radius = if i % 2 == 0 { r } else { inner };
        let a = std::f32::consts::PI * (f32::from(i) / 5.0 - 0.5);
        out.push(if i == 0 { 'M' } else { 'L' });
        num(out, cx + radius * a.cos());
        out.push(' ');
        num(out, cy + radius * a.sin());
        out.push(' ');
    }
    out.push('Z');
}

/// The label artwork as SVG: `url` goes into the QR code.
pub(crate) fn svg(id: LabelId, url: &str, size: Size) -> Option<String> {
    let code = qrcode::QrCode::with_error_correction_level(url.as_bytes(), qrcode::EcLevel::M).ok()?;
    let (wmm, hmm) = size.mm();
    let label = id.to_string();
    let mark = id.level.mark();
    let mut s = String::with_capacity(16 * 1024);
    let _ = write!(
        s,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{wmm}mm" height="{hmm}mm" viewBox="0 0 {W} {H}" role="img" aria-labelledby="title"><title id="title">{mark} {label}</title>"##
    );
    // Card with a thin frame.
    s.push_str(r##"<rect x="0.25" y="0.25" width="29.5" height="41.5" rx="1.6" fill="#fff" stroke="#000" stroke-width="0.5"/>"##);
    // Level mark: a black band with one star per level and the level name.
    s.push_str(r##"<rect x="1.5" y="1.5" width="27" height="8.5" rx="0.9" fill="#000"/><path fill="#fff" d=""##);
    let stars = f32::from(id.level.rank());
    // The stars take at most 9 mm, leaving the level name at least 14 mm.
    let star_r = f32::min(2.0, (9.0 - (stars - 1.0) * 0.3) / (2.0 * stars));
    let stars_width = stars * 2.0 * star_r + (stars - 1.0) * 0.3;
    let gap = 1.0;
    let mark_text = Text { font: SANS_BOLD, text: mark.to_string() };
    let text_width = 27.0 - 3.0 - stars_width - gap;
    let start = 3.0;
    for i in 0..id.level.rank() {
        star(&mut s, start + star_r + f32::from(i) * (2.0 * star_r + 0.3), 5.85, star_r);
    }
    let text_cx = start + stars_width + gap + text_width / 2.0;
    s.push_str(&mark_text.path(3.6, text_cx, 7.55, text_width));
    s.push_str(r##""/>"##);
    // QR code with its four-module quiet zone, 24 mm square.
    let modules = code.width();
    let side = 24.0;
    let module = side / (modules as f32 + 8.0);
    let (qx, qy) = ((W - side) / 2.0, 10.8);
    s.push_str(r##"<path fill="#000" shape-rendering="crispEdges" d=""##);
    // One rectangle per horizontal run of dark modules: fewer edges, so no
    // hairline seams between neighbouring modules when rasterized.
    for (row, line) in code.to_colors().chunks(modules).enumerate() {
        let mut col = 0;
        while col < line.len() {
            let run = line.iter().skip(col).take_while(|c| **c == qrcode::Color::Dark).count();
            if run == 0 {
                col += 1;
                continue;
            }
            s.push('M');
            num(&mut s, qx + (col as f32 + 4.0) * module);
            s.push(' ');
            num(&mut s, qy + (row as f32 + 4.0) * module);
            s.push('h');
            num(&mut s, run as f32 * module);
            s.push('v');
            num(&mut s, module);
            s.push('h');
            num(&mut s, -(run as f32) * module);
            s.push('Z');
            col += run;
        }
    }
    s.push_str(r##""/>"##);
    // Label ID, then what the label is.
    let id_text = Text { font: MONO_BOLD, text: label };
    let _ = write!(s, r##"<path fill="#000" d="{}"/>"##, id_text.path(2.3, W / 2.0, 37.3, 25.0));
    let caption = Text { font: SANS_BOLD, text: "IoT Security Label".into() };
    let _ = write!(s, r##"<path fill="#000" d="{}"/>"##, caption.path(1.3, W / 2.0, 40.1, 26.0));
    s.push_str("</svg>");
    Some(s)
}

/// The artwork as PNG at 600 dpi, with its resolution recorded (`pHYs`).
pub(crate) fn png(svg: &str, size: Size) -> Option<Vec<u8>> {
    let tree = resvg::usvg::Tree::from_str(svg, &resvg::usvg::Options::default()).ok()?;
    let (wmm, hmm) = size.mm();
    let (w, h) = ((wmm * PNG_PX_PER_MM).round(), (hmm * PNG_PX_PER_MM).round());
    let mut pixmap = resvg::tiny_skia::Pixmap::new(w as u32, h as u32)?;
    pixmap.fill(resvg::tiny_skia::Color::WHITE);
    let sx = w / tree.size().width();
    let sy = h / tree.size().height();
    resvg::render(&tree, resvg::tiny_skia::Transform::from_scale(sx, sy), &mut pixmap.as_mut());
    // Opaque white background: premultiplied RGBA equals straight RGBA, so
    // the pixels go to the encoder as they are, as RGB.
    let rgb: Vec<u8> = pixmap.data().chunks_exact(4).flat_map(|p| p.iter().take(3).copied()).collect();
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, pixmap.width(), pixmap.height());
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        let per_metre = (PNG_PX_PER_MM * 1000.0).round() as u32;
        enc.set_pixel_dims(Some(png::PixelDimensions { xppu: per_metre, yppu: per_metre, unit: png::Unit::Meter }));
        let mut writer = enc.write_header().ok()?;
        writer.write_image_data(&rgb).ok()?;
        writer.finish().ok()?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_label_id_character_has_a_glyph() {
        for font in [SANS_BOLD, MONO_BOLD] {
            let face = ttf_parser::Face::parse(font, 0).unwrap();
            for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-IoT Security Label".chars() {
                if c != ' ' {
                    assert!(face.glyph_index(c).is_some(), "no glyph for {c:?}");
                }
            }
        }
    }

    #[test]
    fn sizes_and_resolution() {
        let id = LabelId::new(starmark_criteria::Level::Star2, 2026, 42);
        for level in starmark_criteria::Level::ALL {
            let svg = svg(LabelId::new(level, 2026, 7), "https://registry.example/labels/x", Size::Large).unwrap();
            assert!(svg.matches(" Z").count() >= usize::from(level.rank()), "one star per level");
            assert!(png(&svg, Size::Large).is_some());
        }
        let svg = svg(id, "https://registry.example/labels/x", Size::Small).unwrap();
        assert!(svg.starts_with("<svg") && svg.contains(r#"width="20mm" height="28mm""#), "{svg}");
        assert!(!svg.contains("<text"), "text is outlined");
        let png = png(&svg, Size::Small).unwrap();
        let decoder = png::Decoder::new(std::io::Cursor::new(png));
        let reader = decoder.read_info().unwrap();
        let info = reader.info();
        assert_eq!((info.width, info.height), (472, 661));
        assert_eq!(info.pixel_dims.map(|d| d.xppu), Some(23622));
    }
}
