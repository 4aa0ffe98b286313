//! Thumbnails: one JPEG frame of a local video at a time, extracted with ffmpeg
//! into the site's `thumbs/`. A frame's file name is the video's SHA-256 and the
//! time in milliseconds, so a file that is there is a frame extracted before: a
//! rebuild extracts only new frames, and a video whose bytes change gets new ones.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::render::output::write_confined;

/// The site directory that holds the frames.
pub const DIR: &str = "thumbs";

/// Width of a frame, pixels (the height keeps the aspect ratio).
const WIDTH: u32 = 320;

/// A frame: which video content, at which time.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Frame {
    /// SHA-256 hex of the video's bytes.
    pub sha256: String,
    /// Time from the start of the video, milliseconds.
    pub millis: u64,
}

impl Frame {
    /// The frame of the video with `sha256` at `seconds` (rounded to milliseconds).
    pub fn at(sha256: &str, seconds: f64) -> Self {
        Self { sha256: sha256.to_owned(), millis: (seconds.max(0.0) * 1000.0).round() as u64 }
    }

    /// The frame's path inside the site, `thumbs/<sha256>-<ms>.jpg`.
    pub fn rel(&self) -> PathBuf {
        Path::new(DIR).join(format!("{}-{}.jpg", self.sha256, self.millis))
    }
}

/// What [`extract`] did.
#[derive(Debug, Default)]
pub struct Extraction {
    /// Frames extracted by this build.
    pub extracted: usize,
    /// Frames already in the site.
    pub reused: usize,
    /// Frames that could not be extracted, each with the reason.
    pub failed: Vec<String>,
    /// Frames that are in the site now.
    pub present: BTreeMap<Frame, PathBuf>,
}

/// Extracts every frame of `wanted` (frame → the video file) that `site` does not
/// have yet, on up to one ffmpeg per core. Without ffmpeg the frames are left out
/// and one reason says so.
pub fn extract(site: &Path, wanted: &BTreeMap<Frame, PathBuf>) -> Extraction {
    let mut result = Extraction::default();
    let mut missing = Vec::new();
    for (frame, video) in wanted {
        if site.join(frame.rel()).is_file() {
            result.reused += 1;
            result.present.insert(frame.clone(), frame.rel());
        } else {
            missing.push((frame, video));
        }
    }
    let outcomes = crate::engine::prepare::parallel_map(&missing, |(frame, video)| grab(video, frame.millis));
    for ((frame, video), outcome) in missing.iter().zip(outcomes) {
        let written = outcome.and_then(|jpeg| {
            write_confined(site, &frame.rel(), &jpeg).map_err(|e| Grab::Failed(format!("cannot write: {e}")))
        });
        match written {
            Ok(_) => {
                result.extracted += 1;
                result.present.insert((*frame).clone(), frame.rel());
            }
            Err(Grab::NoFfmpeg) => {
                let why = "ffmpeg not found: thumbnails are left out (install FFmpeg: `apt-get install ffmpeg`)";
                if !result.failed.iter().any(|f| f == why) {
                    result.failed.push(why.to_owned());
                }
            }
            Err(Grab::Failed(why)) => result.failed.push(format!(
                "no frame of `{}` at {:.3} s: {why}",
                video.display(),
                frame.millis as f64 / 1000.0
            )),
        }
    }
    result
}

enum Grab {
    NoFfmpeg,
    Failed(String),
}

/// The JPEG bytes of the frame of `video` at `millis`, from ffmpeg's stdout.
fn grab(video: &Path, millis: u64) -> Result<Vec<u8>, Grab> {
    let at = format!("{}.{:03}", millis / 1000, millis % 1000);
    let output = Command::new("ffmpeg")
        .args(["-nostdin", "-v", "error", "-ss", &at, "-i"])
        .arg(video)
        .args(["-frames:v", "1", "-vf", &format!("scale={WIDTH}:-2"), "-q:v", "4"])
        .args(["-f", "image2pipe", "-c:v", "mjpeg", "pipe:1"])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => Grab::NoFfmpeg,
            _ => Grab::Failed(e.to_string()),
        })?;
    if output.status.success() && !output.stdout.is_empty() {
        return Ok(output.stdout);
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    let reason = stderr.lines().last().map(str::trim).filter(|l| !l.is_empty()).unwrap_or("no frame there");
    Err(Grab::Failed(reason.to_owned()))
}
