//! How stretch opens the files it keeps and reads: the journal and its lock
//! are never reached through a symbolic link, nothing waits on a FIFO or a
//! device, nothing is read without bound, and a data directory or journal that
//! another user owns or can write is refused, the way ssh treats `~/.ssh`.

use std::fs::{File, Metadata, OpenOptions};
use std::io::{self, Read};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

use crate::error::{Error, Result};

/// The largest routine or config file, and the longest journal line, read:
/// far beyond anything stretch writes, small enough to never exhaust memory.
pub(crate) const MAX_TEXT: u64 = 1024 * 1024;

/// The limit as people write it, for messages.
pub(crate) const MAX_TEXT_WORDS: &str = "1 MiB";

/// Opens `path` with `options` without following a final symbolic link and
/// without blocking, then insists on a regular file: a FIFO, device or
/// directory is an error at once, never a hang.
pub(crate) fn open_no_follow(path: &Path, options: &mut OpenOptions) -> io::Result<File> {
    options.custom_flags(nix::libc::O_NOFOLLOW | nix::libc::O_NONBLOCK);
    let file = options.open(path).map_err(|e| match e.raw_os_error() {
        Some(nix::libc::ELOOP) => io::Error::other("it is a symbolic link; stretch does not follow links here"),
        // Opening a FIFO to write without blocking fails so when nobody reads it.
        Some(nix::libc::ENXIO) => io::Error::other("it is a FIFO or a device, not a regular file"),
        _ => e,
    })?;
    regular(&file.metadata()?)?;
    Ok(file)
}

/// Opens `path` for reading, following links (routine and config files may be
/// kept elsewhere), without blocking, and only if it is a regular file.
pub(crate) fn open_to_read(path: &Path) -> io::Result<File> {
    let file = OpenOptions::new().read(true).custom_flags(nix::libc::O_NONBLOCK).open(path)?;
    regular(&file.metadata()?)?;
    Ok(file)
}

/// An error unless `meta` is a regular file, naming what it is instead.
fn regular(meta: &Metadata) -> io::Result<()> {
    use std::os::unix::fs::FileTypeExt;
    let kind = meta.file_type();
    let what = if kind.is_file() {
        return Ok(());
    } else if kind.is_dir() {
        "a directory"
    } else if kind.is_fifo() {
        "a FIFO (named pipe)"
    } else if kind.is_char_device() || kind.is_block_device() {
        "a device"
    } else if kind.is_socket() {
        "a socket"
    } else {
        "not a regular file"
    };
    Err(io::Error::other(format!("it is {what}, not a regular file")))
}

/// Reads a whole text file of at most [`MAX_TEXT`], refusing anything else.
pub(crate) fn read_text(path: &Path) -> io::Result<String> {
    let file = open_to_read(path)?;
    let mut bytes = Vec::new();
    file.take(MAX_TEXT + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_TEXT {
        return Err(io::Error::other(format!("it is larger than {MAX_TEXT_WORDS}, the limit for this file")));
    }
    String::from_utf8(bytes).map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "it is not UTF-8 text"))
}

/// Reads a whole regular file of at most `max` bytes (following links),
/// refusing a larger one: a cookie or a cached clip, never `/dev/zero`.
pub(crate) fn read_bytes(path: &Path, max: u64) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    open_to_read(path)?.take(max + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max {
        return Err(io::Error::other(format!("it is larger than {max} bytes, the limit for this file")));
    }
    Ok(bytes)
}

/// The last [`MAX_TEXT`] of a log that only grows (following links, only a
/// regular file), from the first whole line in it; bytes that are not UTF-8
/// are replaced, so a damaged line costs only itself.
pub(crate) fn read_log(path: &Path) -> io::Result<String> {
    use std::io::{Seek, SeekFrom};
    let mut file = open_to_read(path)?;
    let len = file.metadata()?.len();
    let cut = len > MAX_TEXT;
    if cut {
        file.seek(SeekFrom::Start(len - MAX_TEXT))?;
    }
    let mut bytes = Vec::new();
    file.take(MAX_TEXT).read_to_end(&mut bytes)?;
    let text = String::from_utf8_lossy(&bytes);
    Ok(if cut { text.split_once('\n').map_or("", |(_, rest)| rest).to_string() } else { text.into_owned() })
}

/// Opens `path` to append one whole line at a time, creating it private
/// (0600): never through a link, never a FIFO or device.
pub(crate) fn open_append(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.append(true).create(true).mode(0o600);
    open_no_follow(path, &mut options)
}

/// Replaces `path` with `bytes`, private (0600), through a temporary file
/// beside it that is synced and renamed into place: a full disk or a killed
/// process never leaves a half file, nor costs the file that was there. A
/// link, FIFO, device or directory at `path` is refused, never replaced.
pub(crate) fn replace_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let check = || match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => {
            Err(io::Error::other("it is a symbolic link; stretch does not follow links here"))
        }
        Ok(meta) => regular(&meta),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    };
    check()?;
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut temp = tempfile::Builder::new().prefix(".stretch-").suffix(".partial").tempfile_in(dir)?;
    io::Write::write_all(&mut temp, bytes)?;
    temp.as_file().sync_all()?;
    // Checked again just before the rename: the name may have changed meanwhile.
    check()?;
    temp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// How long a lock held by another process is waited for: far longer than any
/// write of stretch's own holds it, short enough that a stuck holder costs a
/// session its record on stderr rather than the night.
pub(crate) const LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// Takes `file`'s exclusive lock, waiting at most `limit` for another holder.
pub(crate) fn lock_within(file: &File, limit: std::time::Duration) -> io::Result<()> {
    wait_for_lock(limit, || file.try_lock())
}

/// Takes `file`'s shared lock, waiting at most `limit` for a writer holding it.
pub(crate) fn lock_shared_within(file: &File, limit: std::time::Duration) -> io::Result<()> {
    wait_for_lock(limit, || file.try_lock_shared())
}

fn wait_for_lock(
    limit: std::time::Duration,
    try_lock: impl Fn() -> std::result::Result<(), std::fs::TryLockError>,
) -> io::Result<()> {
    let deadline = std::time::Instant::now() + limit;
    loop {
        match try_lock() {
            Ok(()) => return Ok(()),
            Err(std::fs::TryLockError::Error(e)) => return Err(e),
            Err(std::fs::TryLockError::WouldBlock) if std::time::Instant::now() < deadline => {
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!("another program has held its lock for {} s", limit.as_secs()),
                ));
            }
        }
    }
}

/// The effective user id, whose files stretch may use.
fn me() -> u32 {
    nix::unistd::geteuid().as_raw()
}

/// Refuses a data directory or journal (`what`) that another user owns, or
/// that others can write, with the command that fixes it.
pub(crate) fn check_owner_and_mode(path: &Path, meta: &Metadata, what: &str) -> Result<()> {
    if meta.uid() != me() {
        return Err(Error::failure(format!(
            "the {what} {} belongs to another user (uid {}); stretch keeps your nights only where you alone \
             can write: `chown {} {}` (as its owner or root), or choose another --data-dir",
            path.display(),
            meta.uid(),
            me(),
            path.display()
        )));
    }
    if meta.permissions().mode() & 0o022 != 0 {
        return Err(Error::failure(format!(
            "the {what} {} can be written by other users (mode {:o}); make it private: `chmod go-w {}`",
            path.display(),
            meta.permissions().mode() & 0o7777,
            path.display()
        )));
    }
    Ok(())
}

/// Checks an existing data directory (through links: the directory may be
/// elsewhere) with [`check_owner_and_mode`].
pub(crate) fn check_data_dir(dir: &Path) -> Result<()> {
    let meta = std::fs::metadata(dir).map_err(|e| Error::io("read", dir, &e))?;
    check_owner_and_mode(dir, &meta, "data directory")
}

/// Private files are mode 0600, private directories 0700.
pub(crate) fn private_mode(meta: &Metadata) -> u32 {
    if meta.is_dir() { 0o700 } else { 0o600 }
}

/// Tightens `path` to its private mode if it is ours and looser; returns the
/// old mode when it changed something.
pub(crate) fn tighten(path: &Path) -> io::Result<Option<u32>> {
    let meta = std::fs::symlink_metadata(path)?;
    let mode = meta.permissions().mode() & 0o7777;
    let want = private_mode(&meta);
    if meta.uid() != me() || meta.file_type().is_symlink() || mode & !want == 0 {
        return Ok(None);
    }
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode & want))?;
    Ok(Some(mode))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn special_files_and_large_files_are_refused_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
        assert!(read_text(&fifo).unwrap_err().to_string().contains("FIFO"));
        assert!(read_text(dir.path()).unwrap_err().to_string().contains("a directory"));
        let big = dir.path().join("big");
        std::fs::write(&big, vec![b'#'; MAX_TEXT as usize + 1]).unwrap();
        assert!(read_text(&big).unwrap_err().to_string().contains("1 MiB"));
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&big, &link).unwrap();
        let err = open_no_follow(&link, OpenOptions::new().read(true)).unwrap_err();
        assert!(err.to_string().contains("symbolic link"), "{err}");
    }

    #[test]
    fn a_lock_held_elsewhere_is_waited_for_a_bounded_time() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.jsonl");
        let holder = File::create(&path).unwrap();
        holder.lock().unwrap();
        let waiter = File::open(&path).unwrap();
        let started = std::time::Instant::now();
        let err = lock_within(&waiter, std::time::Duration::from_millis(100)).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
        let err = lock_shared_within(&waiter, std::time::Duration::from_millis(100)).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
        drop(holder);
        lock_within(&waiter, std::time::Duration::from_millis(100)).unwrap();
    }

    #[test]
    fn loose_modes_are_named_with_their_fix_and_tightened() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.jsonl");
        std::fs::write(&path, "").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o666)).unwrap();
        let meta = std::fs::metadata(&path).unwrap();
        let err = check_owner_and_mode(&path, &meta, "journal").unwrap_err();
        assert!(err.message.contains("chmod go-w"), "{}", err.message);
        assert_eq!(tighten(&path).unwrap(), Some(0o666));
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(tighten(&path).unwrap(), None);
    }
}
