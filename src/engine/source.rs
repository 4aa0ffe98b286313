//! The `video` of a create request (REQ-VIDEO-2): a local file goes as an asset by
//! default, uploaded once per content hash and reused from the state directory
//! across runs and workflows (ASSET-5/6), or inline as `base64_string` when its
//! video says `upload: base64` (≤ 30 MiB); URLs, asset ids and video ids as given.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{Map, Value};

use super::error::TaskError;
use super::run::{Event, Observer};
use crate::api::wire::{AssetStatus, VideoSource};
use crate::api::{ApiError, Client};
use crate::state::{AssetRecord, Store};
use crate::workflow::images::{FILE, LocalImage, marker_path, marker_sha256, marker_upload, media_sources_mut};
pub use crate::workflow::model::Upload;
use crate::workflow::model::{Video, VideoInput};

/// Largest local file sent inline as `base64_string`: 31,457,280 decoded bytes
/// (REQ-VIDEO-1, "30 MB" read as MiB, OQ-6). `check` refuses larger files already;
/// the engine checks again because the file may have grown since.
pub const MAX_BASE64_BYTES: u64 = crate::contract::MAX_BASE64_DECODED_BYTES;

/// Waiting for an uploaded asset (ASSET-5).
#[derive(Debug, Clone)]
pub struct AssetPolicy {
    /// Interval between `GET /assets/{id}` polls (default 2 s).
    pub poll_interval: Duration,
    /// Longest wait for `ready` (default 10 min).
    pub timeout: Duration,
}

impl Default for AssetPolicy {
    fn default() -> Self {
        Self { poll_interval: Duration::from_secs(2), timeout: Duration::from_secs(600) }
    }
}

/// Resolves video sources for the tasks of one run; uploads each file once even
/// when many tasks use it at the same time.
pub(crate) struct Sources<'a> {
    pub client: &'a Client,
    pub store: &'a Store,
    pub policy: &'a AssetPolicy,
    pub observer: &'a dyn Observer,
    /// One async lock per file hash, so that concurrent tasks wait for one upload.
    pub uploads: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    /// Files whose asset failed in this run, by hash: their other tasks fail with
    /// the same message instead of uploading again (the next run retries).
    pub failed: Mutex<HashMap<String, String>>,
}

impl Sources<'_> {
    /// The source of `video` for task `name`, a local file sent as its `upload:`
    /// says; `sha256` is the file's content hash for local files.
    pub async fn source(&self, video: &Video, sha256: Option<&str>, name: &str) -> Result<VideoSource, TaskError> {
        Ok(match &video.input {
            VideoInput::Url(u) => VideoSource::Url { url: u.clone() },
            VideoInput::AssetId(a) => VideoSource::AssetId { asset_id: a.clone() },
            VideoInput::VideoId(v) => VideoSource::VideoId { video_id: v.clone() },
            VideoInput::File { path, written } => match video.upload {
                Upload::Base64 => base64_source(path, written, sha256)?,
                Upload::Asset => {
                    let sha = sha256.ok_or_else(|| TaskError::Local(format!("`{written}` has no content hash")))?;
                    VideoSource::AssetId { asset_id: self.asset(path, written, sha, name, None).await? }
                }
            },
        })
    }

    /// Replaces each local-image marker in the media sources of `body` with the
    /// image, as `asset_id` (uploaded once per content hash, like a video) or inline
    /// `base64_string`, as its `upload:` says (REQ-PROMPT-V2-2). `images` are the
    /// workflow's checked local images.
    pub async fn images(
        &self,
        body: &mut Map<String, Value>,
        images: &[LocalImage],
        name: &str,
    ) -> Result<(), TaskError> {
        for (_, source) in media_sources_mut(body.iter_mut()) {
            let Some(written) = marker_path(source).map(str::to_owned) else {
                continue;
            };
            let upload = marker_upload(source);
            let sha = marker_sha256(source).map(str::to_owned);
            let image = images
                .iter()
                .find(|i| i.written == written)
                .ok_or_else(|| TaskError::Local(format!("image `{written}` is not one the workflow names")))?;
            source.shift_remove(FILE);
            let (member, value) = match (upload, sha) {
                (Upload::Base64, sha) => {
                    ("base64_string", read_base64(&image.path, &written, sha.as_deref(), "images", "VAL-24")?)
                }
                (Upload::Asset, Some(sha)) => {
                    ("asset_id", self.asset(&image.path, &written, &sha, name, Some(image.content_type)).await?)
                }
                (Upload::Asset, None) => return Err(TaskError::Local(format!("`{written}` has no content hash"))),
            };
            source.insert(member.into(), Value::String(value));
        }
        Ok(())
    }

    /// The id of a `ready` asset holding the file: from the state directory, else
    /// uploaded (as `content_type`, else by extension) and waited for (ASSET-5/6).
    async fn asset(
        &self,
        path: &Path,
        written: &str,
        sha: &str,
        name: &str,
        content_type: Option<&'static str>,
    ) -> Result<String, TaskError> {
        let gate = { lock(&self.uploads).entry(sha.to_owned()).or_default().clone() };
        let _in_process = gate.lock().await;
        if let Some(message) = lock(&self.failed).get(sha) {
            return Err(TaskError::Failed(message.clone()));
        }
        // Other processes sharing the state directory: one uploader per file.
        let store_root = self.store.root().to_owned();
        let sha_owned = sha.to_owned();
        let _across_processes =
            tokio::task::spawn_blocking(move || Store::open_root(&store_root).lock_asset(&sha_owned))
                .await
                .map_err(|e| TaskError::Local(format!("asset lock: {e}")))??;
        if let Some(known) = self.store.asset(sha)? {
            match known.status.as_str() {
                "ready" => {
                    self.observer.event(name, &Event::AssetReused { asset_id: known.asset_id.clone() });
                    return Ok(known.asset_id);
                }
                "processing" => match self.wait_ready(known.clone(), name).await {
                    Ok(id) => return Ok(id),
                    // Gone on the server: upload again below.
                    Err(TaskError::Api(e)) if matches!(e.status(), Some(400 | 404)) => self.store.forget_asset(sha)?,
                    Err(e) => return Err(e),
                },
                _ => self.store.forget_asset(sha)?,
            }
        }
        let filename = path.file_name().map_or_else(|| written.to_owned(), |f| f.to_string_lossy().into_owned());
        let size =
            std::fs::metadata(path).map_err(|e| TaskError::Local(format!("cannot read `{written}`: {e}")))?.len();
        self.observer.event(name, &Event::Uploading { bytes: size });
        let uploaded = self.client.upload_asset(path, &filename, content_type).await?;
        if uploaded.sha256 != sha {
            // What was checked (MEDIA-1, image limits) is not what was sent: the
            // asset is not remembered, and the task is not created on it.
            return Err(changed(written, sha, &uploaded.sha256));
        }
        let asset = uploaded.asset;
        let record = AssetRecord {
            sha256: sha.to_owned(),
            asset_id: asset.id.clone(),
            status: "processing".into(),
            size,
            filename,
        };
        // Remembered at once: a crash while waiting resumes the wait, not the upload.
        self.store.save_asset(&record)?;
        if asset.status == AssetStatus::Ready {
            self.store.save_asset(&AssetRecord { status: "ready".into(), ..record })?;
            return Ok(asset.id);
        }
        let waited = self.wait_ready(record, name).await;
        if let Err(TaskError::Failed(message)) = &waited {
            lock(&self.failed).insert(sha.to_owned(), message.clone());
        }
        waited
    }

    /// Polls `GET /assets/{id}` every `poll_interval` until `ready` (ASSET-5);
    /// `failed` fails the task with the asset's message and forgets the asset.
    async fn wait_ready(&self, mut record: AssetRecord, name: &str) -> Result<String, TaskError> {
        let start = Instant::now();
        loop {
            tokio::time::sleep(self.policy.poll_interval).await;
            let asset = match self.client.get_asset(&record.asset_id).await {
                Ok(a) => a,
                Err(e @ ApiError::Status(_)) if matches!(e.status(), Some(400 | 404)) => return Err(e.into()),
                Err(e) if e.is_retryable() => continue,
                Err(e) => return Err(e.into()),
            };
            match asset.status {
                AssetStatus::Ready => {
                    record.status = "ready".into();
                    self.store.save_asset(&record)?;
                    self.observer.event(name, &Event::AssetReady { asset_id: record.asset_id.clone() });
                    return Ok(record.asset_id);
                }
                AssetStatus::Failed => {
                    self.store.forget_asset(&record.sha256)?;
                    let why = asset.error.map_or_else(|| "no reason given".to_owned(), |e| e.message);
                    return Err(TaskError::Failed(format!("asset {} failed: {why}", record.asset_id)));
                }
                AssetStatus::Processing | AssetStatus::Other(_) => {}
            }
            if start.elapsed() >= self.policy.timeout {
                return Err(TaskError::Local(format!(
                    "asset {} not ready after {} s (asset_timeout); the next run waits again",
                    record.asset_id,
                    self.policy.timeout.as_secs()
                )));
            }
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    }
}

/// The error of a file whose bytes are not those checked (SHA-256 `checked`) but
/// `now`.
fn changed(written: &str, checked: &str, now: &str) -> TaskError {
    TaskError::Local(format!(
        "`{written}` changed after it was checked (SHA-256 {}… then, {}… now); run again to check the new content",
        &checked[..checked.len().min(12)],
        &now[..now.len().min(12)]
    ))
}

/// The file inline as `base64_string`; refused above [`MAX_BASE64_BYTES`], or when
/// its bytes no longer have the SHA-256 `sha` they were checked with.
pub fn base64_source(path: &Path, written: &str, sha: Option<&str>) -> Result<VideoSource, TaskError> {
    Ok(VideoSource::Base64String { base64_string: read_base64(path, written, sha, "videos", "REQ-VIDEO-1")? })
}

/// The bytes of `path` in standard base64; refused above [`MAX_BASE64_BYTES`]
/// naming `what` is limited and the `rule`, or when they do not hash to `sha`.
fn read_base64(path: &Path, written: &str, sha: Option<&str>, what: &str, rule: &str) -> Result<String, TaskError> {
    let len = std::fs::metadata(path).map_err(|e| TaskError::Local(format!("cannot read `{written}`: {e}")))?.len();
    if len > MAX_BASE64_BYTES {
        return Err(TaskError::Local(format!(
            "`{written}` is {len} bytes; inline base64 {what} are limited to {MAX_BASE64_BYTES} bytes \
             ({rule}); upload it as an asset instead"
        )));
    }
    let bytes = std::fs::read(path).map_err(|e| TaskError::Local(format!("cannot read `{written}`: {e}")))?;
    if let Some(sha) = sha {
        let now = crate::canonical::sha256_hex(&bytes);
        if now != sha {
            return Err(changed(written, sha, &now));
        }
    }
    Ok(base64::engine::general_purpose::STANDARD.encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_is_capped_at_30_mib() {
        let dir = tempfile::tempdir().expect("tempdir");
        let small = dir.path().join("s.mp4");
        std::fs::write(&small, b"abc").expect("write");
        assert_eq!(
            base64_source(&small, "s.mp4", None).ok(),
            Some(VideoSource::Base64String { base64_string: "YWJj".into() })
        );
        let big = dir.path().join("b.mp4");
        let f = std::fs::File::create(&big).expect("create");
        f.set_len(MAX_BASE64_BYTES + 1).expect("sparse file");
        let err = base64_source(&big, "media/b.mp4", None).expect_err("too big").to_string();
        assert!(err.contains("`media/b.mp4` is 31457281 bytes") && err.contains("31457280"), "{err}");
        let exact = dir.path().join("e.mp4");
        std::fs::File::create(&exact).and_then(|f| f.set_len(MAX_BASE64_BYTES)).expect("sparse");
        assert!(base64_source(&exact, "e.mp4", None).is_ok());
    }

    struct Quiet;
    impl Observer for Quiet {
        fn event(&self, _: &str, _: &Event) {}
    }

    /// Regression: a file replaced between the check and the send was sent anyway
    /// and remembered under the hash of the bytes that were checked (so MEDIA-1
    /// could be bypassed and a later run reused the wrong asset). Both ways of
    /// sending now refuse bytes that do not hash to what was checked.
    #[tokio::test]
    async fn a_file_changed_after_its_check_is_neither_sent_inline_nor_remembered_as_an_asset() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("logo.png");
        std::fs::write(&file, b"\x89PNG\r\n\x1a\n the bytes that were checked").expect("write");
        let checked = crate::canonical::sha256_file(&file).expect("hash");
        std::fs::write(&file, b"\x89PNG\r\n\x1a\n other bytes, written later").expect("rewrite");

        let err = base64_source(&file, "logo.png", Some(&checked)).expect_err("changed").to_string();
        assert!(err.contains("`logo.png` changed after it was checked"), "{err}");

        let sim = crate::sim::start(
            crate::sim::SimConfig { clock: crate::sim::Clock::Tick, ..Default::default() },
            std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
        )
        .await
        .expect("sim");
        let key = crate::api::ApiKey::new("k").expect("key");
        let client = Client::new(crate::api::ClientConfig::new(sim.base_url.clone(), key)).expect("client");
        let store = Store::open(dir.path(), crate::state::Scope::Api);
        let policy = AssetPolicy { poll_interval: Duration::from_millis(1), timeout: Duration::from_secs(10) };
        let sources = Sources {
            client: &client,
            store: &store,
            policy: &policy,
            observer: &Quiet,
            uploads: Mutex::new(HashMap::new()),
            failed: Mutex::new(HashMap::new()),
        };
        let png = Some("image/png");
        let err = sources.asset(&file, "logo.png", &checked, "t", png).await.expect_err("changed").to_string();
        assert!(err.contains("`logo.png` changed after it was checked"), "{err}");
        assert_eq!(store.asset(&checked).ok(), Some(None), "not remembered under the checked hash");

        let now = crate::canonical::sha256_file(&file).expect("hash");
        let id = sources.asset(&file, "logo.png", &now, "t", png).await.expect("the bytes as they are now upload");
        assert_eq!(store.asset(&now).ok().flatten().map(|a| a.asset_id), Some(id));
    }
}
