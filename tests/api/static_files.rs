//! The static bundle (`/pkg/…`): compressed as the browser accepts, revalidated rather than
//! cached blind; pages are never compressed (those carrying tokens stay out of reach of
//! compression side channels).

use crate::helpers::spawn_app_with;
use reqwest::{header, StatusCode};

#[tokio::test]
async fn the_bundle_is_compressed_and_revalidated_and_pages_are_not_compressed() {
    let root = std::env::temp_dir().join(format!("gatehouse-site-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(root.join("pkg")).unwrap();
    // 64 KiB of repetitive text, like generated JavaScript.
    let js = "export function hydrate() { return 42; }\n".repeat(1600);
    std::fs::write(root.join("pkg/gatehouse.js"), &js).unwrap();
    let site = root.to_string_lossy().into_owned();
    let app = spawn_app_with(move |c| c.leptos_options.site_root = site.into()).await;
    let url = format!("{}/pkg/gatehouse.js", app.base);

    for (accept, expected) in [
        ("br", Some("br")),
        ("gzip", Some("gzip")),
        ("identity", None),
    ] {
        let res = app
            .client
            .get(&url)
            .header(header::ACCEPT_ENCODING, accept)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(
            res.headers()
                .get(header::CONTENT_ENCODING)
                .map(|v| v.to_str().unwrap()),
            expected,
            "{accept}"
        );
        assert_eq!(res.headers()[header::CACHE_CONTROL], "no-cache");
        let body = res.bytes().await.unwrap();
        if expected.is_some() {
            assert!(body.len() * 20 < js.len(), "{accept}: {} bytes", body.len());
        } else {
            assert_eq!(body.len(), js.len());
        }
    }

    // Unchanged since the browser's copy: 304, nothing sent again.
    let res = app.client.get(&url).send().await.unwrap();
    let modified = res.headers()[header::LAST_MODIFIED].clone();
    let res = app
        .client
        .get(&url)
        .header(header::IF_MODIFIED_SINCE, modified)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_MODIFIED);

    let res = app
        .client
        .get(format!("{}/login", app.base))
        .header(header::ACCEPT_ENCODING, "br, gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers().get(header::CONTENT_ENCODING).is_none());
    std::fs::remove_dir_all(root).ok();
}

/// The page's bundle URLs carry the bundle's content version: cached for a year, served from
/// a release build's precompressed copies, and an old version's path is gone.
#[tokio::test]
async fn pages_load_the_bundle_from_a_versioned_path_cached_for_a_year() {
    let root = std::env::temp_dir().join(format!("gatehouse-site-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(root.join("pkg")).unwrap();
    let css = "body { color: black; }\n".repeat(400);
    std::fs::write(root.join("pkg/gatehouse.css"), &css).unwrap();
    // What `cargo leptos build --release --precompress` leaves beside each file.
    std::fs::write(root.join("pkg/gatehouse.css.br"), b"pretend brotli").unwrap();
    let site = root.to_string_lossy().into_owned();
    let app = spawn_app_with(move |c| c.leptos_options.site_root = site.into()).await;

    let page = app
        .client
        .get(format!("{}/login", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let start = page
        .find("href=\"/assets/")
        .expect("a versioned stylesheet")
        + 6;
    let href = &page[start..start + page[start..].find('"').unwrap()];
    assert!(href.ends_with("/pkg/gatehouse.css"), "{href}");
    assert!(
        page.contains(&href.replace("gatehouse.css", "gatehouse.js")),
        "the scripts come from the same version"
    );

    let res = app
        .client
        .get(format!("{}{href}", app.base))
        .header(header::ACCEPT_ENCODING, "br")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.headers()[header::CACHE_CONTROL],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(res.headers()[header::CONTENT_ENCODING], "br");
    assert_eq!(res.bytes().await.unwrap().as_ref(), b"pretend brotli");

    let res = app
        .client
        .get(format!("{}{href}", app.base))
        .header(header::ACCEPT_ENCODING, "identity")
        .send()
        .await
        .unwrap();
    assert_eq!(res.bytes().await.unwrap().len(), css.len());

    // Another version's path (an old deploy's page) finds nothing rather than new contents.
    let res = app
        .client
        .get(format!(
            "{}/assets/0000000000000000/pkg/gatehouse.css",
            app.base
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    std::fs::remove_dir_all(root).ok();
}
