//! Benchmark floor (not part of Baton): an axum server that only checks a
//! GitHub webhook's HMAC and answers 200, the least any webhook receiver
//! does. `bench/ingest.sh` measures Baton's ingest against it.
//!
//!   cargo run --release --example hmac_floor -- PORT SECRET

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use hmac::{Hmac, KeyInit, Mac};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, port, secret] = args.as_slice() else {
        eprintln!("usage: hmac_floor PORT SECRET");
        std::process::exit(2);
    };
    let secret: &'static str = Box::leak(secret.clone().into_boxed_str());
    let app = axum::Router::new().route(
        "/github/webhook",
        post(move |headers: HeaderMap, body: Bytes| async move {
            let given = headers
                .get("X-Hub-Signature-256")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("sha256="))
                .and_then(|v| hex::decode(v).ok());
            let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
            mac.update(&body);
            match given {
                Some(given) if mac.verify_slice(&given).is_ok() => (StatusCode::OK, "{}"),
                _ => (StatusCode::UNAUTHORIZED, "{}"),
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind(format!("127.0.0.1:{port}"))
        .await
        .unwrap();
    axum::serve(listener, app).await.unwrap();
}
