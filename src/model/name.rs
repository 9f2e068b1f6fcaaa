//! Device names as the kernel keeps them (bytes, usually but not always UTF-8), and the one
//! escaping function every text output uses for names and for words that came from outside.
//!
//! It lives in the model, the lowest layer, because the model's own text (`ip rule` words) and
//! the lookup's sentences name devices too; `report`, `ui` and `error` call the same function.

use std::borrow::{Borrow, Cow};
use std::fmt::{self, Write as _};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The prefix of the JSON form of a name that is not plain UTF-8 (`hex:` and the bytes in hex).
pub const HEX_PREFIX: &str = "hex:";

/// A device name (also a rule's `iif`/`oif` name and an address label), kept byte for byte.
///
/// Shown escaped (`e\xff`); written in JSON as a plain string when it is UTF-8, else as
/// `hex:65ff` (`docs/cli-contract.md`), which the snapshot reader turns back into the bytes.
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LinkName(Vec<u8>);

impl LinkName {
    /// The empty name (an unknown device).
    pub const EMPTY: Self = Self(Vec::new());

    /// A name from the kernel's bytes.
    pub fn from_bytes(bytes: impl Into<Vec<u8>>) -> Self {
        Self(bytes.into())
    }

    /// The bytes, as the kernel has them.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The name as text, if it is UTF-8.
    pub fn to_str(&self) -> Option<&str> {
        std::str::from_utf8(&self.0).ok()
    }

    /// Whether the name is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The JSON form: the name itself when it is UTF-8 and does not start with `hex:`, else
    /// `hex:` and its bytes in lowercase hex (so every form reads back unambiguously).
    pub fn json_text(&self) -> Cow<'_, str> {
        match self.to_str() {
            Some(text) if !text.starts_with(HEX_PREFIX) => Cow::Borrowed(text),
            _ => Cow::Owned(self.0.iter().fold(HEX_PREFIX.to_owned(), |mut out, b| {
                let _ = write!(out, "{b:02x}");
                out
            })),
        }
    }

    /// Reads the JSON form back; `hex:` followed by anything but hex digit pairs is taken as is.
    pub fn from_json_text(text: &str) -> Self {
        text.strip_prefix(HEX_PREFIX)
            .and_then(unhex)
            .map_or_else(|| Self::from(text), Self)
    }

    /// Whether `word` names this device: its bytes, its escaped form (what text output shows,
    /// so `e\xff` can be typed) or its JSON form.
    pub fn answers_to(&self, word: &str) -> bool {
        *self == *word || escape_bytes(&self.0) == word || self.json_text() == word
    }
}

/// Lowercase or uppercase hex digit pairs back to bytes.
pub(super) fn unhex(text: &str) -> Option<Vec<u8>> {
    if text.len() % 2 != 0 {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

impl fmt::Display for LinkName {
    /// The escaped form, padded as the format asks (`{:<12}`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&escape_bytes(&self.0))
    }
}

impl fmt::Debug for LinkName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{}\"", escape_bytes(&self.0))
    }
}

impl From<&str> for LinkName {
    fn from(text: &str) -> Self {
        Self(text.as_bytes().to_vec())
    }
}

impl From<String> for LinkName {
    fn from(text: String) -> Self {
        Self(text.into_bytes())
    }
}

impl PartialEq<str> for LinkName {
    fn eq(&self, other: &str) -> bool {
        self.0 == other.as_bytes()
    }
}

impl PartialEq<&str> for LinkName {
    fn eq(&self, other: &&str) -> bool {
        self.0 == other.as_bytes()
    }
}

impl AsRef<[u8]> for LinkName {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl Borrow<[u8]> for LinkName {
    fn borrow(&self) -> &[u8] {
        &self.0
    }
}

impl Serialize for LinkName {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.json_text())
    }
}

impl<'de> Deserialize<'de> for LinkName {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = Cow::<str>::deserialize(deserializer)?;
        Ok(Self::from_json_text(&text))
    }
}

/// Text made safe for a terminal: bytes that are not UTF-8 become `\xNN`, control characters
/// `\xNN` (C0, DEL) or `\u{NN}` (C1), and characters that reorder or break a line (bidi
/// controls, U+2028/9) `\u{NNNN}`, so nothing from outside can move the cursor, recolour or
/// reorder the screen. Escaping twice changes nothing (a backslash is left as it is), so a line
/// holding an escaped name can be escaped whole.
pub fn escape_bytes(bytes: &[u8]) -> Cow<'_, str> {
    let clean = std::str::from_utf8(bytes)
        .ok()
        .filter(|text| !text.chars().any(needs_escape));
    if let Some(text) = clean {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(bytes.len() + 8);
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                c if c.is_ascii_control() => {
                    let _ = write!(out, "\\x{:02x}", u32::from(c));
                }
                c if needs_escape(c) => {
                    let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
                }
                c => out.push(c),
            }
        }
        for b in chunk.invalid() {
            let _ = write!(out, "\\x{b:02x}");
        }
    }
    Cow::Owned(out)
}

/// `escape_bytes` for text that is already UTF-8 (user input, error messages).
pub fn escape(text: &str) -> Cow<'_, str> {
    escape_bytes(text.as_bytes())
}

/// User input as a message quotes it: escaped (`escape`) and cut to `max` characters with `…`,
/// so a message stays one short line whatever was typed.
pub fn cut(text: &str, max: usize) -> String {
    let escaped = escape(text);
    match escaped.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &escaped[..at]),
        None => escaped.into_owned(),
    }
}

/// Whether a character is shown escaped.
fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_makes_every_byte_visible_and_harmless() {
        assert!(matches!(escape("eth0"), Cow::Borrowed("eth0")));
        assert_eq!(escape("caf\u{e9}"), "caf\u{e9}", "printable UTF-8 stays");
        assert_eq!(escape("\x1b[31mred"), "\\x1b[31mred");
        assert_eq!(escape("a\tb\nc\x7f"), "a\\x09b\\x0ac\\x7f");
        assert_eq!(escape("\u{85}\u{9b}"), "\\u{85}\\u{9b}", "C1 controls");
        assert_eq!(escape("abc\u{202e}fed"), "abc\\u{202e}fed", "bidi override");
        assert_eq!(escape("a\\xff"), "a\\xff", "a backslash stays");
        assert_eq!(escape_bytes(b"e\xff"), "e\\xff");
        assert_eq!(escape_bytes(b"\xc3(\xe2\x82"), "\\xc3(\\xe2\\x82");
        for text in [&b"\x1b[31m\xff\xc2\x85"[..], "e\u{202e}\\x".as_bytes()] {
            let once = escape_bytes(text);
            assert_eq!(escape(&once), once, "escaping twice changes nothing");
        }
    }

    #[test]
    fn names_keep_their_bytes_and_read_back_from_json() {
        let raw = LinkName::from_bytes(b"e\xff".to_vec());
        assert_eq!(raw.to_string(), "e\\xff");
        assert_eq!(format!("[{raw:<6}]"), "[e\\xff ]");
        assert_eq!(raw.json_text(), "hex:65ff");
        assert_eq!(LinkName::from_json_text("hex:65ff"), raw);
        let plain = LinkName::from("eth0");
        assert_eq!(plain.json_text(), "eth0");
        assert_eq!(LinkName::from_json_text("eth0"), plain);
        let tricky = LinkName::from("hex:41");
        assert_eq!(tricky.json_text(), "hex:6865783a3431");
        assert_eq!(LinkName::from_json_text(&tricky.json_text()), tricky);
        assert_eq!(LinkName::from_json_text("hex:zz"), LinkName::from("hex:zz"));
        let json = serde_json::to_string(&raw).unwrap();
        assert_eq!(json, "\"hex:65ff\"");
        assert_eq!(serde_json::from_str::<LinkName>(&json).unwrap(), raw);
        assert!(raw.answers_to("e\\xff") && raw.answers_to("hex:65ff"));
        assert!(!raw.answers_to("e"));
    }
}
