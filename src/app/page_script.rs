//! The script of the pages served without the browser app (`page_script.js` beside this file,
//! which says what it does), as the pages carry it. Also compiled into `bench/baseline`
//! (`#[path]`), whose registration page must carry the same bytes.

/// The page script: inline, as the pages that use it are visited about once per person and
/// are `no-store` anyway (a file would cost a round trip for nothing to cache), and without its
/// comment lines and indentation (a third of the file). Made once per process.
pub fn page_script() -> &'static str {
    static SCRIPT: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        include_str!("page_script.js")
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty() && !line.starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n")
    });
    &SCRIPT
}
