//! The font the chart's text is measured with. charts-rs measures labels to lay them out
//! and ships only Roboto, which has no CJK glyphs (a Chinese legend would be measured
//! too narrow and overlap); with a CJK font installed, the chart measures with it and
//! names it first, so the browser draws with what was measured.

use std::sync::OnceLock;

/// Fonts tried in order: Debian's WenQuanYi Micro Hei and Noto Sans CJK.
const CJK_FONTS: [&str; 3] = [
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/noto/NotoSansCJK-Regular.ttc",
];

/// The family the chart uses: the first CJK font found (registered with charts-rs
/// once), or charts-rs's own Roboto.
pub fn chart_family() -> &'static str {
    static FAMILY: OnceLock<String> = OnceLock::new();
    FAMILY.get_or_init(|| {
        CJK_FONTS
            .iter()
            .find_map(|path| {
                let bytes = std::fs::read(path).ok()?;
                let before = charts_rs::get_font_families().ok()?;
                charts_rs::add_fonts(&[&bytes]).ok()?;
                charts_rs::get_font_families()
                    .ok()?
                    .into_iter()
                    .find(|family| !before.contains(family))
            })
            .unwrap_or_else(|| charts_rs::DEFAULT_FONT_FAMILY.to_string())
    })
}
