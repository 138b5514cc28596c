//! One session at a time: a second `stretch tonight` finds the lock held and
//! says by whom, instead of talking over the first.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::path::Path;

use crate::error::{Error, Result};

/// Held for as long as a session runs; released when dropped (or when the
/// process dies, as the kernel drops the lock with the file).
#[derive(Debug)]
pub(crate) struct SessionLock {
    _file: File,
}

/// Takes the session lock at `path`, or fails with exit code 75 naming the holder.
pub(crate) fn acquire(path: &Path) -> Result<SessionLock> {
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    // Never through a link: the pid written below would land in its target.
    let mut file = crate::files::open_no_follow(path, &mut options).map_err(|e| not_opened(path, &e))?;
    match file.try_lock() {
        Ok(()) => {
            // Best effort: the pid only helps the message of a second session.
            let _ = file.set_len(0).and_then(|()| write!(file, "{}", std::process::id()));
            Ok(SessionLock { _file: file })
        }
        Err(std::fs::TryLockError::WouldBlock) => {
            let mut pid = String::new();
            let _ = file.rewind().and_then(|()| file.read_to_string(&mut pid));
            let holder = match pid.trim() {
                "" => String::new(),
                pid => format!(" (pid {pid})"),
            };
            Err(Error::busy(format!("another session is running{holder}; wait for it to finish, or stop it first")))
        }
        Err(std::fs::TryLockError::Error(e)) => Err(Error::io("lock", path, &e)),
    }
}

/// Why the lock could not be opened; a directory in its place is named as
/// such, with the fix, since nothing stretch does would ever make one.
fn not_opened(path: &Path, e: &std::io::Error) -> Error {
    if path.is_dir() {
        let shown = crate::visible::Outside::path(path);
        return Error::failure(format!(
            "{shown} is a directory where stretch keeps its session lock (a file); \
             remove it (`rmdir` if it is empty) and run again"
        ));
    }
    Error::io("open the session lock", path, e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_is_turned_away_with_the_first_ones_pid() {
        let dir = tempfile::tempdir().unwrap();
        let first = acquire(&dir.path().join("session.lock")).unwrap();
        let err = acquire(&dir.path().join("session.lock")).unwrap_err();
        assert_eq!(err.code, crate::error::code::BUSY);
        assert!(
            err.message.starts_with(&format!("another session is running (pid {})", std::process::id())),
            "{}",
            err.message
        );
        drop(first);
        assert!(acquire(&dir.path().join("session.lock")).is_ok());
    }

    #[test]
    fn a_directory_in_the_locks_place_is_named_with_the_fix() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("session.lock");
        std::fs::create_dir(&path).unwrap();
        let err = acquire(&path).unwrap_err();
        assert!(err.message.contains("is a directory where stretch keeps its session lock"), "{}", err.message);
        assert!(err.message.contains("rmdir"), "{}", err.message);
    }
}
