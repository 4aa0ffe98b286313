//! Uploads one file through the library's streamed `POST /assets` and prints the
//! answer: for measuring peak memory (`/usr/bin/time -v`) on files above the
//! contract's 200 MiB direct-upload cap, which `vidflow run` refuses locally
//! (ASSET-4).
//!
//! `cargo run --release --example upload_memory -- BASE_URL FILE`

use std::path::PathBuf;

use vidflow::api::{ApiKey, Client, ClientConfig};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let mut args = std::env::args().skip(1);
    let (Some(base), Some(file)) = (args.next(), args.next()) else {
        eprintln!("usage: upload_memory BASE_URL FILE");
        return std::process::ExitCode::from(2);
    };
    let Some(key) = ApiKey::new("bench") else {
        return std::process::ExitCode::from(2);
    };
    let mut config = ClientConfig::new(base, key);
    config.max_upload_bytes = u64::MAX;
    config.max_retries = 0;
    let client = match Client::new(config) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return std::process::ExitCode::from(3);
        }
    };
    let path = PathBuf::from(&file);
    match client.upload_asset(&path, &file, None).await {
        Ok(up) => {
            println!("uploaded: {} ({}), sha256 {}", up.asset.id, up.asset.status.as_str(), up.sha256);
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            println!("server answered: {e}");
            std::process::ExitCode::from(1)
        }
    }
}
