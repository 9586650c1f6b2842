//! The keyset cursor: `hex(key).hex(id)`, so that any key and any id (one
//! holding `.` or `|` included) make a cursor that decodes to exactly them.

pub(super) fn encode(key: &str, id: &str) -> String {
    format!("{}.{}", hex(key), hex(id))
}

/// The position a cursor names; a string this emulator did not issue is
/// taken as a bare key, a position like any other.
pub(super) fn decode(cursor: &str) -> (String, String) {
    cursor
        .split_once('.')
        .and_then(|(key, id)| Some((unhex(key)?, unhex(id)?)))
        .unwrap_or_else(|| (cursor.to_string(), String::new()))
}

fn hex(text: &str) -> String {
    text.bytes().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<String> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    let bytes = (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect::<Option<Vec<u8>>>()?;
    String::from_utf8(bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_key_and_id_round_trip() {
        for (key, id) in [
            ("2026-11-24T00:00:00Z", "pmt_a|b"),
            ("a.b|c", "é.|"),
            ("", ""),
        ] {
            assert_eq!(decode(&encode(key, id)), (key.to_string(), id.to_string()));
        }
        assert_eq!(
            decode("not-a-cursor"),
            ("not-a-cursor".to_string(), String::new())
        );
    }
}
