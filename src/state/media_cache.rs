//! Cache of what is learnt from a local video file — its SHA-256 (task keys, design
//! §4; assets, ASSET-6) and its `ffprobe` facts (MEDIA-3) — so that an unchanged file
//! is neither read nor probed again by the next `check`, `plan` or `run`.
//!
//! Where: one small JSON file per local file under `.vidflow/cache/media/` in the
//! workflow's state directory ([`crate::state::Store::root`]), named by the SHA-256
//! of the file's absolute path. One file per entry (not one index) so that
//! processes sharing the state directory never lose each other's updates; each is
//! written atomically (temporary file in the same directory, then rename), so a
//! reader sees a whole old entry, a whole new one, or none. Entries are not
//! `fsync`ed: after a crash an entry may be lost or empty, which reads as a miss.
//! `cache/.gitignore` keeps the cache out of a committed `.vidflow/`: its stamps
//! only mean something on the machine that wrote them.
//!
//! When an entry is trusted (else the file is hashed and probed as if there were
//! no entry; nothing about the cache is ever an error):
//! - its `version` is [`VERSION`] and its path is the file's absolute path;
//! - the file's stamp now equals the stamp recorded when it was hashed: size
//!   (bytes), mtime and ctime (seconds and nanoseconds), inode and device (unix);
//! - it is not racy: the recorded mtime is more than [`RACY_MARGIN_SECS`] older
//!   than the moment the file was examined. Otherwise a change made just after the
//!   file was read, within the same filesystem timestamp tick, could leave the
//!   stamp unchanged (git's "racy clean" problem). A racy file is simply examined
//!   again next time; once it has been left alone for the margin, it is cached.
//!
//! Who writes: `check`, `plan`, `render` and `status` read the cache and never
//! write it (design §1 and the README promise that `check` and `plan` write
//! nothing); `run` saves the entries it learnt once it has an API connection (a
//! run refused for want of a key writes nothing either). So the first `plan` of a
//! never-run workflow examines every file, and every `plan` or `check` after a
//! `run` is spared the unchanged ones.
//!
//! Only successes are cached: a file that cannot be read or probed is examined
//! again every time, so installing ffprobe or fixing the file needs no cache reset.
//! An entry is only kept when the file's stamp is the same before the hash and
//! after the probe (no change while it was being read). What is not in the stamp:
//! the `ffprobe` version (an upgraded ffprobe keeps the old facts; delete
//! `.vidflow/cache/` to probe again), and on non-unix systems ctime and inode.

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use super::StateError;
use crate::canonical::{sha256_file, sha256_hex};
use crate::media::{Probe, ProbeError, probe};

/// Directory of the cache entries, relative to the state directory (`.vidflow/`).
pub const CACHE_DIR: &str = "cache/media";

/// Format version of an entry; an entry of any other version is a miss. Bump it
/// when the entry's fields or their meaning change.
pub const VERSION: u32 = 2;

/// An entry is trusted only if the file's mtime is more than this many seconds
/// older than the moment the entry's file was examined (racy-git guard; the margin
/// covers coarse filesystem timestamps, e.g. FAT's 2 s, and small clock offsets
/// of network filesystems).
pub const RACY_MARGIN_SECS: i64 = 2;

const NANOS_PER_SEC: u32 = 1_000_000_000;

/// What is known of one local file: from the cache, or hashed and probed anew.
#[derive(Debug)]
pub struct Examined {
    /// SHA-256 of the file's bytes, lowercase hex (64 characters).
    pub sha256: String,
    /// What `ffprobe` said of the file (MEDIA-3); a failure is never cached.
    pub probe: Result<Probe, ProbeError>,
    /// Whether the answer came from the cache (the file was neither read nor probed).
    pub from_cache: bool,
}

/// The media cache of one command: reads entries as files are examined and keeps
/// the entries of files examined anew until [`MediaCache::save`] writes them. A
/// cache that is never saved never writes (what `check` does).
#[derive(Debug, Default)]
pub struct MediaCache {
    pending: Mutex<Vec<(PathBuf, Entry)>>,
}

impl MediaCache {
    /// A cache with nothing pending.
    pub fn new() -> Self {
        Self::default()
    }

    /// The SHA-256 and probe of the local file `path`, from the entry in the
    /// state directory `state_root` (`.vidflow/`) when it can be trusted, else by
    /// reading and probing the file (the new entry is then pending until
    /// [`MediaCache::save`]). The error is that of reading the file for its hash.
    pub fn examine(&self, state_root: &Path, path: &Path) -> std::io::Result<Examined> {
        let checked_at = Time::now();
        let key = std::path::absolute(path).ok();
        let before = file_stamp(path);
        let entry_file = key.as_deref().map(|k| entry_path(state_root, k));
        if let (Some(key), Some(file), Some(stamp)) = (&key, &entry_file, &before)
            && let Ok((sha256, probe)) = lookup(file, &key.to_string_lossy(), stamp)
        {
            return Ok(Examined { sha256, probe: Ok(probe), from_cache: true });
        }
        let sha256 = sha256_file(path)?;
        let probed = probe(path);
        if let (Ok(p), Some(key), Some(file), Some(stamp), Some(checked_at)) =
            (&probed, &key, entry_file, before, checked_at)
            && file_stamp(path).as_ref() == Some(&stamp)
        {
            let entry = Entry {
                version: VERSION,
                path: key.to_string_lossy().into_owned(),
                stamp,
                checked_at,
                sha256: sha256.clone(),
                probe: CachedProbe::from(p),
            };
            // A racy entry would never be trusted: not worth writing.
            if trust(&entry, &entry.path, &entry.stamp).is_ok() {
                self.pending.lock().unwrap_or_else(PoisonError::into_inner).push((file, entry));
            }
        }
        Ok(Examined { sha256, probe: probed, from_cache: false })
    }

    /// How many entries wait to be saved.
    pub fn pending(&self) -> usize {
        self.pending.lock().unwrap_or_else(PoisonError::into_inner).len()
    }

    /// Writes the pending entries, each atomically, creating the cache directory
    /// and its `.gitignore` as needed; returns how many were written. Every entry
    /// is tried; the error is the first failure (the cache then misses those files
    /// next time, nothing worse).
    pub fn save(&self) -> Result<usize, StateError> {
        let pending = std::mem::take(&mut *self.pending.lock().unwrap_or_else(PoisonError::into_inner));
        let mut dirs = HashSet::new();
        let mut first_error = None;
        let mut saved = 0;
        for (file, entry) in pending {
            let result = match file.parent() {
                Some(dir) if dirs.contains(dir) => write_entry(&file, &entry),
                Some(dir) => prepare_dir(dir).and_then(|()| {
                    dirs.insert(dir.to_owned());
                    write_entry(&file, &entry)
                }),
                None => write_entry(&file, &entry),
            };
            match result {
                Ok(()) => saved += 1,
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        first_error.map_or(Ok(saved), Err)
    }
}

/// A point in time as the filesystem gives it: seconds since the Unix epoch
/// (negative before it) and nanoseconds within the second (`0..1e9`). The derived
/// order is chronological.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
struct Time {
    secs: i64,
    nanos: u32,
}

impl Time {
    fn now() -> Option<Self> {
        Self::from_system(SystemTime::now())
    }

    fn from_system(t: SystemTime) -> Option<Self> {
        match t.duration_since(UNIX_EPOCH) {
            Ok(d) => Some(Self { secs: i64::try_from(d.as_secs()).ok()?, nanos: d.subsec_nanos() }),
            Err(e) => {
                let d = e.duration();
                let secs = i64::try_from(d.as_secs()).ok()?;
                Some(match d.subsec_nanos() {
                    0 => Self { secs: -secs, nanos: 0 },
                    n => Self { secs: -secs - 1, nanos: NANOS_PER_SEC - n },
                })
            }
        }
    }

    fn valid(self) -> bool {
        self.nanos < NANOS_PER_SEC
    }
}

/// What must not change for an entry to stay valid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Stamp {
    /// Bytes.
    size: u64,
    mtime: Time,
    /// Inode change time (unix): moves on any write, rename or `touch -d`, and
    /// cannot be set back by a user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ctime: Option<Time>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ino: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    dev: Option<u64>,
}

/// The stamp of a regular file (following symbolic links), if it has one.
fn file_stamp(path: &Path) -> Option<Stamp> {
    let meta = std::fs::metadata(path).ok().filter(std::fs::Metadata::is_file)?;
    stamp_of(&meta)
}

#[cfg(unix)]
fn stamp_of(meta: &std::fs::Metadata) -> Option<Stamp> {
    use std::os::unix::fs::MetadataExt;
    let time = |secs: i64, nanos: i64| Some(Time { secs, nanos: u32::try_from(nanos).ok()? }).filter(|t| t.valid());
    Some(Stamp {
        size: meta.len(),
        mtime: time(meta.mtime(), meta.mtime_nsec())?,
        ctime: Some(time(meta.ctime(), meta.ctime_nsec())?),
        ino: Some(meta.ino()),
        dev: Some(meta.dev()),
    })
}

#[cfg(not(unix))]
fn stamp_of(meta: &std::fs::Metadata) -> Option<Stamp> {
    Some(Stamp {
        size: meta.len(),
        mtime: Time::from_system(meta.modified().ok()?)?,
        ctime: None,
        ino: None,
        dev: None,
    })
}

/// One cache file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Entry {
    version: u32,
    /// The file's absolute path, for people (the entry's name hashes its exact bytes).
    path: String,
    stamp: Stamp,
    /// When the file was examined (taken before it was stat'ed and read).
    checked_at: Time,
    sha256: String,
    probe: CachedProbe,
}

/// [`Probe`] as stored. The duration is kept as Rust's shortest round-trip decimal
/// text, so that it reads back bit for bit (it can reach task keys through
/// `video.media.duration` in a prompt).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct CachedProbe {
    /// Seconds.
    duration: String,
    coded_width: u32,
    coded_height: u32,
    /// Degrees.
    rotation: i32,
    codec: String,
    /// Seconds, as `duration`.
    start_time: String,
}

impl From<&Probe> for CachedProbe {
    fn from(p: &Probe) -> Self {
        Self {
            duration: p.duration.to_string(),
            coded_width: p.coded_width,
            coded_height: p.coded_height,
            rotation: p.rotation,
            codec: p.codec.clone(),
            start_time: p.start_time.to_string(),
        }
    }
}

impl CachedProbe {
    fn probe(&self) -> Option<Probe> {
        let duration = self.duration.parse::<f64>().ok().filter(|d| d.is_finite())?;
        let start_time = self.start_time.parse::<f64>().ok().filter(|d| d.is_finite())?;
        Some(Probe {
            duration,
            coded_width: self.coded_width,
            coded_height: self.coded_height,
            rotation: self.rotation,
            codec: self.codec.clone(),
            start_time,
        })
    }
}

/// Why an entry was not used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Miss {
    /// No entry.
    Absent,
    /// The entry could not be read.
    Unreadable,
    /// The entry is not a valid entry of this version.
    Corrupt,
    /// The entry has another format version.
    Version,
    /// The entry is of another path.
    OtherPath,
    /// The file changed since the entry was written.
    Changed,
    /// The file was modified too close to when it was examined.
    Racy,
}

fn entry_path(state_root: &Path, absolute: &Path) -> PathBuf {
    let name = sha256_hex(absolute.as_os_str().as_encoded_bytes());
    state_root.join(CACHE_DIR).join(format!("{name}.json"))
}

fn lookup(file: &Path, path: &str, stamp: &Stamp) -> Result<(String, Probe), Miss> {
    let bytes = std::fs::read(file).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Miss::Absent,
        _ => Miss::Unreadable,
    })?;
    let entry: Entry = serde_json::from_slice(&bytes).map_err(|_| Miss::Corrupt)?;
    trust(&entry, path, stamp)
}

/// The entry's hash and probe if it may be used for the file at `path` whose stamp
/// is now `stamp`.
fn trust(entry: &Entry, path: &str, stamp: &Stamp) -> Result<(String, Probe), Miss> {
    if entry.version != VERSION {
        return Err(Miss::Version);
    }
    let hex = entry.sha256.len() == 64 && entry.sha256.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    let times = [Some(entry.stamp.mtime), entry.stamp.ctime, Some(entry.checked_at)];
    if !hex || !times.into_iter().flatten().all(Time::valid) {
        return Err(Miss::Corrupt);
    }
    let probe = entry.probe.probe().ok_or(Miss::Corrupt)?;
    if entry.path != path {
        return Err(Miss::OtherPath);
    }
    if entry.stamp != *stamp {
        return Err(Miss::Changed);
    }
    let trusted_before = Time { secs: entry.checked_at.secs.saturating_sub(RACY_MARGIN_SECS), ..entry.checked_at };
    if entry.stamp.mtime >= trusted_before {
        return Err(Miss::Racy);
    }
    Ok((entry.sha256.clone(), probe))
}

/// Creates the cache directory and, beside it, a `.gitignore` that ignores the
/// whole cache (kept if it exists).
fn prepare_dir(dir: &Path) -> Result<(), StateError> {
    std::fs::create_dir_all(dir).map_err(|source| StateError::Io { path: dir.to_owned(), source })?;
    let Some(cache) = dir.parent() else {
        return Ok(());
    };
    super::ignore_all(cache, "vidflow's cache of local files' hashes and probes: valid on this machine only.")
}

fn write_entry(file: &Path, entry: &Entry) -> Result<(), StateError> {
    let io = |source| StateError::Io { path: file.to_owned(), source };
    let mut bytes = serde_json::to_vec_pretty(entry)
        .map_err(|e| StateError::Corrupt { path: file.to_owned(), reason: e.to_string() })?;
    bytes.push(b'\n');
    let dir = file.parent().unwrap_or(Path::new("."));
    let mut tmp = tempfile::Builder::new().prefix(".tmp-").suffix(".json").tempfile_in(dir).map_err(io)?;
    tmp.write_all(&bytes).map_err(io)?;
    tmp.persist(file).map_err(|e| io(e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs::{File, FileTimes};
    use std::time::Duration;

    fn t(secs: i64, nanos: u32) -> Time {
        Time { secs, nanos }
    }

    fn stamp() -> Stamp {
        Stamp { size: 1000, mtime: t(1_700_000_000, 5), ctime: Some(t(1_700_000_000, 6)), ino: Some(7), dev: Some(8) }
    }

    fn entry() -> Entry {
        Entry {
            version: VERSION,
            path: "/w/media/a.mp4".into(),
            stamp: stamp(),
            checked_at: t(1_700_000_100, 0),
            sha256: "ab".repeat(32),
            probe: CachedProbe {
                duration: "5.312".into(),
                coded_width: 1280,
                coded_height: 720,
                rotation: 0,
                codec: "h264".into(),
                start_time: "0".into(),
            },
        }
    }

    fn miss(e: &Entry, s: &Stamp) -> Option<Miss> {
        trust(e, "/w/media/a.mp4", s).err()
    }

    #[test]
    fn an_unchanged_old_file_is_a_hit() {
        let (sha, probe) = trust(&entry(), "/w/media/a.mp4", &stamp()).expect("hit");
        assert_eq!(sha, "ab".repeat(32));
        assert_eq!((probe.duration, probe.coded_width, probe.coded_height), (5.312, 1280, 720));
    }

    #[test]
    fn any_change_of_the_stamp_is_a_miss() {
        let e = entry();
        let changes: [fn(&mut Stamp); 6] = [
            |s| s.size += 1,
            |s| s.mtime.nanos += 1,
            |s| s.mtime.secs -= 1,
            |s| s.ctime = Some(t(1_700_000_050, 0)),
            |s| s.ino = Some(9),
            |s| s.dev = Some(9),
        ];
        for change in changes {
            let mut s = stamp();
            change(&mut s);
            assert_eq!(miss(&e, &s), Some(Miss::Changed), "{s:?}");
        }
    }

    #[test]
    fn an_entry_of_another_path_or_version_is_a_miss() {
        assert_eq!(trust(&entry(), "/w/media/b.mp4", &stamp()).err(), Some(Miss::OtherPath));
        let e = Entry { version: VERSION + 1, ..entry() };
        assert_eq!(miss(&e, &stamp()), Some(Miss::Version));
    }

    /// Racy git: an mtime not strictly older than `checked_at` − 2 s is not trusted,
    /// nor is one in the future.
    #[test]
    fn a_file_modified_near_its_examination_is_racy() {
        let checked_at = t(1_700_000_100, 500);
        for (mtime, racy) in [
            (t(1_700_000_098, 499), false),
            (t(1_700_000_098, 500), true),
            (t(1_700_000_099, 0), true),
            (checked_at, true),
            (t(1_700_000_200, 0), true),
        ] {
            let s = Stamp { mtime, ..stamp() };
            let e = Entry { stamp: s.clone(), checked_at, ..entry() };
            let want = if racy { Some(Miss::Racy) } else { None };
            assert_eq!(miss(&e, &s), want, "mtime {mtime:?}");
        }
    }

    #[test]
    fn nonsense_in_an_entry_is_a_miss() {
        let bad: [fn(&mut Entry); 5] = [
            |e| e.sha256 = "AB".repeat(32),
            |e| e.sha256 = "ab".into(),
            |e| e.probe.duration = "five".into(),
            |e| e.probe.duration = "inf".into(),
            |e| e.stamp.mtime.nanos = NANOS_PER_SEC,
        ];
        for spoil in bad {
            let mut e = entry();
            spoil(&mut e);
            assert_eq!(miss(&e, &e.stamp.clone()), Some(Miss::Corrupt), "{e:?}");
        }
    }

    #[test]
    fn a_corrupt_or_missing_entry_file_is_a_miss() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("e.json");
        assert_eq!(lookup(&file, "/w/media/a.mp4", &stamp()).err(), Some(Miss::Absent));
        let good = serde_json::to_vec(&entry()).expect("encode");
        for bytes in [&b""[..], b"{", b"[]", b"\xff\xfe", &good[..good.len() / 2]] {
            std::fs::write(&file, bytes).expect("write");
            assert_eq!(lookup(&file, "/w/media/a.mp4", &stamp()).err(), Some(Miss::Corrupt));
        }
        std::fs::create_dir(dir.path().join("d.json")).expect("mkdir");
        assert_eq!(lookup(&dir.path().join("d.json"), "/w/media/a.mp4", &stamp()).err(), Some(Miss::Unreadable));
        std::fs::write(&file, &good).expect("write");
        assert!(lookup(&file, "/w/media/a.mp4", &stamp()).is_ok());
    }

    #[test]
    fn durations_read_back_bit_for_bit() {
        for d in [5.312, 0.1 + 0.2, 4.004, 7200.0, 1.0 / 3.0, 123_456.789_012_345_67] {
            let p = Probe {
                duration: d,
                coded_width: 1,
                coded_height: 1,
                rotation: -90,
                codec: String::new(),
                start_time: d / 2.0,
            };
            let json = serde_json::to_vec(&CachedProbe::from(&p)).expect("encode");
            let back: CachedProbe = serde_json::from_slice(&json).expect("decode");
            assert_eq!(back.probe().map(|q| q.duration.to_bits()), Some(d.to_bits()));
        }
    }

    #[test]
    fn times_before_the_epoch_keep_their_order() {
        let before = Time::from_system(UNIX_EPOCH - Duration::new(1, 250)).expect("time");
        assert_eq!(before, t(-2, NANOS_PER_SEC - 250));
        assert!(before < t(-1, 0) && Time::from_system(UNIX_EPOCH - Duration::from_secs(3)) == Some(t(-3, 0)));
    }

    /// A real file in a temporary directory, copied from a shared sample video,
    /// with its mtime an hour back so that its entry is not racy.
    fn old_copy(dir: &Path, name: &str) -> PathBuf {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/quickstart/videos/carphone_pristine.mp4");
        let path = dir.join(name);
        std::fs::write(&path, std::fs::read(src).expect("sample video")).expect("copy");
        set_mtime(&path, SystemTime::now() - Duration::from_secs(3600));
        path
    }

    fn set_mtime(path: &Path, when: SystemTime) {
        let f = File::options().write(true).open(path).expect("open");
        f.set_times(FileTimes::new().set_modified(when)).expect("set mtime");
    }

    #[test]
    fn a_saved_entry_spares_the_next_examination_and_a_change_invalidates_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join(".vidflow");
        let video = old_copy(dir.path(), "clip.mp4");
        let first = MediaCache::new().examine(&root, &video).expect("examine");
        assert!(!first.from_cache);
        let cache = MediaCache::new();
        let again = cache.examine(&root, &video).expect("examine");
        assert!(!again.from_cache, "nothing was saved");
        assert_eq!(cache.pending(), 1);
        assert_eq!(cache.save().ok(), Some(1));
        assert_eq!(cache.pending(), 0);
        let gitignore = std::fs::read_to_string(root.join("cache/.gitignore")).expect(".gitignore");
        assert!(gitignore.lines().any(|l| l == "*"));

        let hit = MediaCache::new().examine(&root, &video).expect("examine");
        assert!(hit.from_cache);
        assert_eq!(hit.sha256, first.sha256);
        assert_eq!(hit.probe.ok(), first.probe.ok());

        // Appending bytes (mtime then set back to the old value) is still seen.
        let old = std::fs::metadata(&video).and_then(|m| m.modified()).expect("mtime");
        std::fs::OpenOptions::new().append(true).open(&video).and_then(|mut f| f.write_all(b"x")).expect("append");
        set_mtime(&video, old);
        let changed = MediaCache::new().examine(&root, &video).expect("examine");
        assert!(!changed.from_cache);
        assert_ne!(changed.sha256, first.sha256);
    }

    /// Same size, mtime set back: only the ctime (unix) shows the change.
    #[cfg(unix)]
    #[test]
    fn a_same_size_rewrite_with_the_old_mtime_is_seen() {
        use std::io::{Read, Seek, SeekFrom};
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join(".vidflow");
        let video = old_copy(dir.path(), "clip.mp4");
        let cache = MediaCache::new();
        let first = cache.examine(&root, &video).expect("examine");
        cache.save().expect("save");
        assert!(MediaCache::new().examine(&root, &video).expect("examine").from_cache);
        let stamped = file_stamp(&video).expect("stamp");
        let old = std::fs::metadata(&video).and_then(|m| m.modified()).expect("mtime");
        let mut f = File::options().read(true).write(true).open(&video).expect("open");
        let mut bytes = [0u8; 4];
        f.seek(SeekFrom::End(-4)).and_then(|_| f.read_exact(&mut bytes)).expect("read");
        let flipped = bytes.map(|b| !b);
        f.seek(SeekFrom::End(-4)).and_then(|_| f.write_all(&flipped)).expect("overwrite");
        drop(f);
        set_mtime(&video, old);
        let now = file_stamp(&video).expect("stamp");
        assert_eq!((now.size, now.mtime, now.ino), (stamped.size, stamped.mtime, stamped.ino));
        let again = MediaCache::new().examine(&root, &video).expect("examine");
        assert!(!again.from_cache);
        assert_ne!(again.sha256, first.sha256);
    }

    #[test]
    fn a_fresh_file_or_a_probe_failure_is_not_cached() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join(".vidflow");
        let fresh = dir.path().join("fresh.mp4");
        std::fs::write(&fresh, std::fs::read(old_copy(dir.path(), "old.mp4")).expect("read")).expect("write");
        set_mtime(&fresh, SystemTime::now() + Duration::from_secs(3600));
        let cache = MediaCache::new();
        let x = cache.examine(&root, &fresh).expect("examine");
        assert!(x.probe.is_ok());
        assert_eq!(cache.pending(), 0, "an mtime not older than the examination by the margin is racy");

        let text = dir.path().join("notes.mp4");
        std::fs::write(&text, "not a video").expect("write");
        set_mtime(&text, SystemTime::now() - Duration::from_secs(3600));
        let x = cache.examine(&root, &text).expect("examine");
        assert!(matches!(x.probe, Err(ProbeError::Unreadable { .. })));
        assert_eq!(cache.pending(), 0, "a probe failure is examined again next time");

        assert!(cache.examine(&root, &dir.path().join("missing.mp4")).is_err());
        assert_eq!(cache.save().ok(), Some(0));
        assert!(!root.exists(), "nothing to save, nothing written");
    }

    #[test]
    fn a_corrupt_entry_on_disk_is_replaced() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join(".vidflow");
        let video = old_copy(dir.path(), "clip.mp4");
        let cache = MediaCache::new();
        cache.examine(&root, &video).expect("examine");
        cache.save().expect("save");
        let file = entry_path(&root, &std::path::absolute(&video).expect("absolute"));
        std::fs::write(&file, b"{\"version\": 1, \"sha256\": ").expect("spoil");
        let cache = MediaCache::new();
        let x = cache.examine(&root, &video).expect("examine");
        assert!(!x.from_cache && x.probe.is_ok());
        cache.save().expect("save");
        assert!(MediaCache::new().examine(&root, &video).expect("examine").from_cache);
    }
}
