//! The static bundle (`{site_root}/{site_pkg_dir}`: the wasm, its JavaScript and the CSS)
//! under a content-addressed path, so browsers may keep it for a year.
//!
//! At start-up [`Bundle::load`] hashes every file of the bundle (SHA-256 over each relative
//! path and its bytes, the first 16 hex digits): pages reference
//! `/assets/{version}/{pkg}/gatehouse.js` and so on, and only the current version's path
//! exists. Instances built from the same bundle compute the same version, so a page made by
//! one instance loads its bundle from any other; after a deploy an old version's path is a 404,
//! never a new file under an old name. Files answer `Cache-Control: public, max-age=31536000,
//! immutable`, brotli or gzip from the `.br`/`.gz` files a release build writes beside them
//! (`cargo leptos build --release --precompress`; ignored, with a warning, if any is older
//! than its file), else compressed per request at the fastest level. The unversioned
//! `/{pkg}/…` path stays, revalidated on each use (`no-cache`).

use axum::{
    http::{header, HeaderValue},
    Router,
};
use leptos::config::LeptosOptions;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use tower_http::{
    compression::CompressionLayer, services::ServeDir, set_header::SetResponseHeaderLayer,
};

/// One year, the longest lifetime caches honour (RFC 9111 section 5.2.2.1 allows more; browsers
/// cap it), for files whose path changes with their content.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// The bundle this instance serves: where its files are and the version they hash to.
#[derive(Clone, Debug)]
pub struct Bundle {
    /// 16 lower-case hex digits: the start of SHA-256 over the bundle's files.
    pub version: String,
    /// `/assets/{version}`: the base URL pages put before `/{pkg}/…`.
    pub base: String,
    dir: PathBuf,
    pkg: String,
    /// Whether the `.br`/`.gz` copies may be served: none is older than its file (a debug
    /// build over a release one rewrites the files and leaves the old copies behind).
    precompressed: bool,
}

impl Bundle {
    /// Hashes the files under `{site_root}/{site_pkg_dir}` (precompressed copies excluded: they
    /// follow from the rest). A missing directory hashes as empty: the API still serves.
    pub fn load(options: &LeptosOptions) -> Self {
        let pkg = options.site_pkg_dir.to_string();
        let dir = Path::new(options.site_root.as_ref()).join(&pkg);
        let mut files = Vec::new();
        collect(&dir, &dir, &mut files);
        files.sort();
        let mut hash = Sha256::new();
        for rel in &files {
            if let Ok(bytes) = std::fs::read(dir.join(rel)) {
                hash.update((rel.len() as u64).to_le_bytes());
                hash.update(rel.as_bytes());
                hash.update((bytes.len() as u64).to_le_bytes());
                hash.update(&bytes);
            }
        }
        let version = hex::encode(&hash.finalize()[..8]);
        let precompressed = copies_are_current(&dir, &files);
        if !precompressed {
            tracing::warn!(
                dir = %dir.display(),
                "the bundle's .br/.gz copies are older than its files: compressing per request"
            );
        }
        Self {
            base: format!("/assets/{version}"),
            version,
            dir,
            pkg,
            precompressed,
        }
    }

    /// `/assets/{version}/{pkg}/…` (immutable) and `/{pkg}/…` (revalidated).
    pub fn routes<S: Clone + Send + Sync + 'static>(&self) -> Router<S> {
        Router::new()
            .nest_service(
                &format!("{}/{}", self.base, self.pkg),
                serve(&self.dir, IMMUTABLE, self.precompressed),
            )
            .nest_service(
                &format!("/{}", self.pkg),
                serve(&self.dir, "no-cache", self.precompressed),
            )
    }
}

fn serve(dir: &Path, cache_control: &'static str, precompressed: bool) -> Router {
    let files = ServeDir::new(dir);
    let files = if precompressed {
        files.precompressed_br().precompressed_gzip()
    } else {
        files
    };
    Router::new().fallback_service(
        tower::ServiceBuilder::new()
            .layer(SetResponseHeaderLayer::if_not_present(
                header::CACHE_CONTROL,
                HeaderValue::from_static(cache_control),
            ))
            // Only where no precompressed file exists (debug builds): per request, so the
            // fastest level; it still shrinks the debug wasm about fivefold.
            .layer(CompressionLayer::new().quality(tower_http::CompressionLevel::Fastest))
            .service(files),
    )
}

/// Whether every `.br` and `.gz` copy of `files` (relative to `dir`) is at least as new as
/// its file.
fn copies_are_current(dir: &Path, files: &[String]) -> bool {
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    files.iter().all(|rel| {
        let file = dir.join(rel);
        ["br", "gz"].iter().all(|ext| {
            let copy = dir.join(format!("{rel}.{ext}"));
            match (modified(&file), modified(&copy)) {
                (Some(f), Some(c)) => c >= f,
                (_, None) => true,
                (None, Some(_)) => false,
            }
        })
    })
}

/// Relative paths (with `/`) of the files under `dir`, without `.br` and `.gz` copies.
fn collect(root: &Path, dir: &Path, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(root, &path, out);
        } else if !matches!(path.extension().and_then(|e| e.to_str()), Some("br" | "gz")) {
            if let Ok(rel) = path.strip_prefix(root) {
                out.push(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(files: &[(&str, &str)]) -> (PathBuf, LeptosOptions) {
        let root = std::env::temp_dir().join(format!("gatehouse-assets-{}", uuid::Uuid::new_v4()));
        for (name, body) in files {
            let p = root.join("pkg").join(name);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, body).unwrap();
        }
        let opts = LeptosOptions::builder()
            .output_name("gatehouse")
            .site_root(root.to_string_lossy().into_owned())
            .site_pkg_dir("pkg")
            .build();
        (root, opts)
    }

    #[test]
    fn the_version_follows_the_contents_and_nothing_else() {
        let (a, oa) = site(&[("gatehouse.js", "js 1"), ("snippets/x.js", "x")]);
        let (b, ob) = site(&[
            ("gatehouse.js", "js 1"),
            ("snippets/x.js", "x"),
            ("gatehouse.js.br", "zz"),
        ]);
        let (c, oc) = site(&[("gatehouse.js", "js 2"), ("snippets/x.js", "x")]);
        let (va, vb, vc) = (Bundle::load(&oa), Bundle::load(&ob), Bundle::load(&oc));
        assert_eq!(va.version.len(), 16);
        assert_eq!(va.version, vb.version, "precompressed copies do not count");
        assert_ne!(va.version, vc.version);
        assert_eq!(va.base, format!("/assets/{}", va.version));
        for d in [a, b, c] {
            std::fs::remove_dir_all(d).ok();
        }
    }

    #[test]
    fn copies_older_than_their_file_are_not_served() {
        let (root, opts) = site(&[("gatehouse.js", "js 1"), ("gatehouse.js.br", "old")]);
        assert!(Bundle::load(&opts).precompressed);
        // A later build rewrites the file and leaves the copy.
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(root.join("pkg/gatehouse.js"), "js 2").unwrap();
        assert!(!Bundle::load(&opts).precompressed);
        std::fs::remove_dir_all(root).ok();
    }
}
