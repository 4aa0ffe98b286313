//! Runs `ffprobe` on a local file and reads duration, size and rotation (MEDIA-3).

use std::path::{Path, PathBuf};
use std::process::Command;

use serde::Deserialize;

use crate::contract::media::MediaFacts;

/// What `ffprobe` says of a file.
#[derive(Debug, Clone, PartialEq)]
pub struct Probe {
    /// Container duration, seconds.
    pub duration: f64,
    /// Coded width of the first video stream, pixels.
    pub coded_width: u32,
    /// Coded height of the first video stream, pixels.
    pub coded_height: u32,
    /// Rotation in degrees from the stream's display matrix or `rotate` tag (0 if none).
    pub rotation: i32,
    /// Codec of the first video stream (`h264`, ...).
    pub codec: String,
    /// Container start time, seconds (`format.start_time`; 0 when absent). Not
    /// part of MEDIA-1/2: windows and durations count from the start of the media.
    pub start_time: f64,
}

impl Probe {
    /// Display facts: width and height swapped for a ±90° rotation (MEDIA-1).
    pub fn facts(&self) -> MediaFacts {
        let (width, height) = if self.rotation.rem_euclid(180) == 90 {
            (self.coded_height, self.coded_width)
        } else {
            (self.coded_width, self.coded_height)
        };
        MediaFacts { duration: self.duration, width, height }
    }
}

/// Why a file could not be probed.
#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    /// `ffprobe` is not installed.
    #[error(
        "ffprobe not found: install FFmpeg (Debian/Ubuntu: `apt-get install ffmpeg`; macOS: `brew install ffmpeg`) to check local videos"
    )]
    Missing,
    /// `ffprobe` ran and failed, or its output had no video stream or duration.
    #[error("{path}: not a readable video: {reason}")]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// What ffprobe said, or what was missing.
        reason: String,
    },
}

#[derive(Deserialize)]
struct Output {
    #[serde(default)]
    streams: Vec<Stream>,
    format: Option<Format>,
}

#[derive(Deserialize)]
struct Stream {
    codec_type: Option<String>,
    codec_name: Option<String>,
    width: Option<u32>,
    height: Option<u32>,
    #[serde(default)]
    side_data_list: Vec<SideData>,
    #[serde(default)]
    tags: Tags,
}

#[derive(Deserialize)]
struct SideData {
    rotation: Option<f64>,
}

#[derive(Deserialize, Default)]
struct Tags {
    rotate: Option<String>,
}

#[derive(Deserialize)]
struct Format {
    duration: Option<String>,
    start_time: Option<String>,
}

/// Probes `path` with `ffprobe -v error -print_format json -show_format -show_streams`.
/// Errors: [`ProbeError::Missing`] when ffprobe is not on `PATH`;
/// [`ProbeError::Unreadable`] when it fails or finds no video stream or duration.
pub fn probe(path: &Path) -> Result<Probe, ProbeError> {
    let output = Command::new("ffprobe")
        .args(["-v", "error", "-print_format", "json", "-show_format", "-show_streams"])
        .arg(path)
        .output()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => ProbeError::Missing,
            _ => unreadable(path, e.to_string()),
        })?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let reason = stderr.lines().last().unwrap_or("ffprobe failed").trim();
        let reason = reason.rsplit_once(": ").map_or(reason, |(_, r)| r);
        return Err(unreadable(path, reason.to_owned()));
    }
    parse(path, &output.stdout)
}

fn unreadable(path: &Path, reason: String) -> ProbeError {
    ProbeError::Unreadable { path: path.to_owned(), reason }
}

fn parse(path: &Path, json: &[u8]) -> Result<Probe, ProbeError> {
    let out: Output =
        serde_json::from_slice(json).map_err(|e| unreadable(path, format!("unexpected ffprobe output: {e}")))?;
    let stream = out
        .streams
        .iter()
        .find(|s| s.codec_type.as_deref() == Some("video"))
        .ok_or_else(|| unreadable(path, "no video stream".into()))?;
    let (Some(w), Some(h)) = (stream.width, stream.height) else {
        return Err(unreadable(path, "video stream has no size".into()));
    };
    let seconds = |s: Option<&String>| s.and_then(|d| d.parse::<f64>().ok()).filter(|d| d.is_finite());
    let format = out.format.as_ref();
    let duration =
        seconds(format.and_then(|f| f.duration.as_ref())).ok_or_else(|| unreadable(path, "no duration".into()))?;
    let start_time = seconds(format.and_then(|f| f.start_time.as_ref())).unwrap_or(0.0);
    let rotation = stream
        .side_data_list
        .iter()
        .find_map(|s| s.rotation)
        .or_else(|| stream.tags.rotate.as_deref().and_then(|r| r.parse().ok()))
        .unwrap_or(0.0)
        .round() as i32;
    Ok(Probe {
        duration,
        coded_width: w,
        coded_height: h,
        rotation,
        codec: stream.codec_name.clone().unwrap_or_default(),
        start_time,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn video(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/quickstart/videos").join(name)
    }

    #[test]
    fn probes_the_shared_fixtures() {
        let p = probe(&video("bigbuckbunny.mp4")).expect("probe");
        assert_eq!((p.coded_width, p.coded_height, p.rotation), (1280, 720, 0));
        assert!((p.duration - 5.312).abs() < 0.001, "{}", p.duration);
        assert_eq!(p.codec, "h264");
        assert_eq!(p.start_time, 0.0);
        let p = probe(&video("bikes.mp4")).expect("probe");
        assert_eq!(p.facts().height, 272);
    }

    #[test]
    fn non_video_is_unreadable() {
        let err = probe(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml").as_path());
        assert!(matches!(err, Err(ProbeError::Unreadable { .. })), "{err:?}");
    }

    #[test]
    fn start_time_is_read_from_the_container() {
        let json = br#"{"streams":[{"codec_type":"video","codec_name":"h264","width":640,"height":360}],
            "format":{"duration":"5.0","start_time":"1.400000"}}"#;
        assert_eq!(parse(Path::new("x.ts"), json).map(|p| p.start_time).ok(), Some(1.4));
        let json = br#"{"streams":[{"codec_type":"video","width":640,"height":360}],"format":{"duration":"5.0"}}"#;
        assert_eq!(parse(Path::new("x.mp4"), json).map(|p| p.start_time).ok(), Some(0.0));
    }

    #[test]
    fn rotation_swaps_display_size() {
        let json = br#"{"streams":[{"codec_type":"video","codec_name":"h264","width":640,"height":360,
            "side_data_list":[{"rotation":-90}]}],"format":{"duration":"5.0"}}"#;
        let p = parse(Path::new("x.mp4"), json).expect("parses");
        assert_eq!((p.facts().width, p.facts().height), (360, 640));
    }
}
