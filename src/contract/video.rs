//! The `video` object (REQ-VIDEO-1): VAL-4, VAL-5, VAL-7..VAL-11.

use serde_json::{Map, Value};

use super::base64_payload;
use super::checker::{Checker, Kind, Slot, child, quote};
use super::effective::Model;
use super::url::check_url;
use super::violation::Code;

/// A `video.type` (REQ-VIDEO-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SourceType {
    VideoId,
    Url,
    AssetId,
    Base64,
}

impl SourceType {
    const ALL: [Self; 4] = [Self::VideoId, Self::Url, Self::AssetId, Self::Base64];

    /// The type name, which is also the name of the member that holds the source.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::VideoId => "video_id",
            Self::Url => "url",
            Self::AssetId => "asset_id",
            Self::Base64 => "base64_string",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.name() == s)
    }
}

/// Checks the top-level `video` member. Returns its source type when it is known.
/// VAL-4 (missing), VAL-5 (type, field, second source), VAL-8 (url), VAL-9
/// (base64), VAL-10/VAL-11 (asset or video id, only with resources), VAL-2 (other
/// members).
pub(crate) fn check_video(ck: &mut Checker<'_>, body: &Map<String, Value>) -> Option<SourceType> {
    let video = match ck.required(body, "video", "", Kind::Object) {
        Slot::Absent => {
            ck.not_provided("VAL-4", "video", "is required");
            return None;
        }
        slot => slot.object()?,
    };
    let ty = match ck.required(video, "type", "video", Kind::String) {
        Slot::Absent => {
            ck.invalid("VAL-5", "video.type", "is required: video_id, url, asset_id or base64_string");
            return None;
        }
        slot => slot.str()?,
    };
    let Some(source) = SourceType::parse(ty) else {
        ck.invalid(
            "VAL-5",
            "video.type",
            format!("must be video_id, url, asset_id or base64_string, got {}", quote(ty)),
        );
        return None;
    };
    let name = source.name();
    let path = child("video", name);
    match ck.required(video, name, "video", Kind::String) {
        Slot::Absent => ck.invalid("VAL-5", &path, format!("is required for type {name}")),
        Slot::Invalid => {}
        Slot::Present(v) => match v.as_str() {
            Some("") | None => ck.invalid("VAL-5", &path, "must not be empty"),
            Some(value) => check_value(ck, source, value, &path),
        },
    }
    for other in SourceType::ALL.into_iter().filter(|t| *t != source) {
        if video.get(other.name()).is_some_and(|v| !v.is_null()) {
            ck.invalid(
                "VAL-5",
                child("video", other.name()),
                format!("a video has exactly one source; type is {name}"),
            );
        }
    }
    let known: Vec<&str> = ["type"].into_iter().chain(SourceType::ALL.map(SourceType::name)).collect();
    ck.unknown_members(video, &known, "video");
    Some(source)
}

fn check_value(ck: &mut Checker<'_>, source: SourceType, value: &str, path: &str) {
    match source {
        SourceType::Url => {
            if let Err(reason) = check_url(value, false) {
                ck.invalid("VAL-8", path, reason);
            }
        }
        SourceType::Base64 => {
            if let Err(reason) = base64_payload::check_payload(value) {
                ck.invalid("VAL-9", path, reason);
            }
        }
        SourceType::AssetId => {
            let Some(res) = ck.resources else { return };
            match res.asset(value) {
                None => {
                    ck.push("VAL-10", path, Code::ResourceNotExist, format!("asset {} does not exist", quote(value)))
                }
                Some(a) if !a.ready => ck.invalid("VAL-11", path, format!("asset {} is not ready", quote(value))),
                Some(_) => {}
            }
        }
        SourceType::VideoId => {
            let Some(res) = ck.resources else { return };
            if !res.video_exists(value) {
                ck.push("VAL-10", path, Code::ResourceNotExist, format!("video {} does not exist", quote(value)));
            }
        }
    }
}

/// VAL-7: pegasus1.2 takes only `video_id`; pegasus1.5 takes every other source
/// [seed]. Reported at `video.type`. After a mismatch the model is treated as
/// unknown, so the rules that need pegasus1.5 (VAL-14, VAL-20, VAL-29, VAL-32,
/// VAL-40) and the `max_tokens` range do not report the same fault again.
pub(crate) fn check_pairing(ck: &mut Checker<'_>, source: SourceType) {
    let Some(model) = ck.eff.model else { return };
    let reason = match model {
        Model::Pegasus12 if source == SourceType::VideoId => return,
        Model::Pegasus15 if source != SourceType::VideoId => return,
        Model::Pegasus12 => format!(
            "type {} needs model_name pegasus1.5; model_name is {}, which takes only video_id",
            source.name(),
            ck.eff.model_text()
        ),
        Model::Pegasus15 => "type video_id (a pre-indexed video) needs model_name pegasus1.2; \
                             pegasus1.5 takes url, asset_id or base64_string"
            .to_string(),
    };
    ck.invalid("VAL-7", "video.type", reason);
    ck.eff.model = None;
}
