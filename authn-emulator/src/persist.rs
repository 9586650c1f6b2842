//! The state file of `--state-file`: read at start, and written atomically
//! (a temporary file beside it, fsync, rename, fsync of the folder), so a
//! crash at any point leaves either the old state or the new one, never a
//! mix. A file that does not parse stops the start, and is never
//! overwritten.

use std::{
    fs::File,
    io::Write,
    path::{Path, PathBuf},
};

use crate::{EmulatorError, Fixtures};

/// The fixtures in `path`; `None` when there is no such file.
pub(crate) fn read(path: &Path) -> Result<Option<Fixtures>, EmulatorError> {
    let refused = |reason: String| EmulatorError::StateFile {
        path: path.to_path_buf(),
        reason,
    };
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(refused(format!("cannot read it: {e}"))),
    };
    let mut deserializer = serde_json::Deserializer::from_str(&text);
    serde_path_to_error::deserialize(&mut deserializer)
        .map(Some)
        .map_err(|e| refused(format!("at `{}`: {}", e.path(), e.inner())))
}

/// A state written beside its file, not yet in its place: what a crash
/// between writing and renaming leaves.
pub(crate) struct Pending {
    temp: PathBuf,
    target: PathBuf,
}

/// Writes `fixtures` to a temporary file beside `path`, synced to disk.
pub(crate) fn write_temp(path: &Path, fixtures: &Fixtures) -> std::io::Result<Pending> {
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let temp = path.with_file_name(format!(".{name}.tmp-{}", std::process::id()));
    let mut file = File::create(&temp)?;
    serde_json::to_writer(&mut file, fixtures)?;
    file.write_all(b"\n")?;
    file.sync_all()?;
    Ok(Pending {
        temp,
        target: path.to_path_buf(),
    })
}

impl Pending {
    /// Puts the written state in place: one rename, then the folder synced
    /// so that the rename itself survives a crash.
    pub(crate) fn commit(self) -> std::io::Result<()> {
        std::fs::rename(&self.temp, &self.target)?;
        let folder = match self.target.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        // Not every platform can open a folder (Windows): the rename stands.
        if let Ok(folder) = File::open(folder) {
            let _ = folder.sync_all();
        }
        Ok(())
    }
}

/// Writes `fixtures` to `path` atomically.
pub(crate) fn save(path: &Path, fixtures: &Fixtures) -> Result<(), EmulatorError> {
    write_temp(path, fixtures)
        .and_then(Pending::commit)
        .map_err(|e| EmulatorError::StateFile {
            path: path.to_path_buf(),
            reason: format!("cannot write it: {e}"),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder() -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "authn-emulator-persist-{}-{}",
            std::process::id(),
            fastrand::u64(..)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn a_crash_between_writing_and_renaming_leaves_the_old_state() {
        let dir = folder();
        let path = dir.join("state.json");
        let old = Fixtures::random(2, 2);
        save(&path, &old).unwrap();
        // The process dies after the temporary file is written, before the rename.
        let new = Fixtures::random(5, 1);
        let pending = write_temp(&path, &new).unwrap();
        std::mem::forget(pending);
        assert_eq!(read(&path).unwrap(), Some(old));
        // The next save replaces the leftover and puts the new state in place.
        save(&path, &new).unwrap();
        assert_eq!(read(&path).unwrap(), Some(new));
        let leftovers = std::fs::read_dir(&dir).unwrap().count();
        assert_eq!(leftovers, 1, "only the state file remains");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_file_that_does_not_parse_names_the_field_and_stays_as_it_is() {
        let dir = folder();
        let path = dir.join("state.json");
        let broken = r#"{"users": [{"id": "pui_a", "email": "a@x", "sessions": [{"id": 7}]}]}"#;
        std::fs::write(&path, broken).unwrap();
        let err = read(&path).unwrap_err().to_string();
        assert!(err.contains("state.json"), "{err}");
        assert!(err.contains("users[0].sessions[0].id"), "{err}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), broken);
        assert_eq!(read(&dir.join("absent.json")).unwrap(), None);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
