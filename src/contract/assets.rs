//! Asset limits (ASSET-4) and the image formats the client sends (REQ-PROMPT-V2-2).

/// Largest direct video upload, bytes: 200 MiB (ASSET-4) [spec; MiB is a choice].
pub const MAX_VIDEO_ASSET_BYTES: u64 = 209_715_200;

/// Largest direct image upload, bytes: 32 MiB (ASSET-4) [spec; MiB is a choice].
pub const MAX_IMAGE_ASSET_BYTES: u64 = 33_554_432;

/// The image formats a local media source may have (REQ-PROMPT-V2-2 [choice]), as
/// named in messages.
pub const IMAGE_FORMATS: &str = "JPEG, PNG, WebP, GIF or BMP";

/// Bytes [`image_type`] needs to see: the longest signature (WebP's) is 12.
pub const SNIFF_BYTES: usize = 12;

/// The content type of an image from its first bytes (at least [`SNIFF_BYTES`] for
/// WebP), or `None` when it is not one of [`IMAGE_FORMATS`]. The file name is not
/// consulted: a `logo.img` holding PNG bytes is a PNG.
pub fn image_type(head: &[u8]) -> Option<&'static str> {
    Some(match head {
        [0xFF, 0xD8, 0xFF, ..] => "image/jpeg",
        [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, ..] => "image/png",
        [b'R', b'I', b'F', b'F', _, _, _, _, b'W', b'E', b'B', b'P', ..] => "image/webp",
        [b'G', b'I', b'F', b'8', b'7' | b'9', b'a', ..] => "image/gif",
        [b'B', b'M', ..] => "image/bmp",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_types_follow_req_prompt_v2_2() {
        assert_eq!(image_type(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("image/jpeg"));
        assert_eq!(image_type(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), Some("image/png"));
        assert_eq!(image_type(b"RIFF\x10\0\0\0WEBPVP8 "), Some("image/webp"));
        assert_eq!(image_type(b"GIF89a\x01\0"), Some("image/gif"));
        assert_eq!(image_type(b"GIF87a\x01\0"), Some("image/gif"));
        assert_eq!(image_type(b"BM\x36\0\0\0"), Some("image/bmp"));
        // RIFF that is not WebP (a WAV file), a video, text, too short.
        assert_eq!(image_type(b"RIFF\x10\0\0\0WAVEfmt "), None);
        assert_eq!(image_type(b"\0\0\0\x20ftypisom"), None);
        assert_eq!(image_type(b"<svg xmlns="), None);
        assert_eq!(image_type(b"\x89PN"), None);
        assert_eq!(image_type(b""), None);
    }
}
