//! Where the journal lives: one JSON record per line, appended whole, under
//! a lock, and synced before success is reported; a failed append is cut back
//! to the byte. Reading never rewrites it, takes a shared lock (so an append
//! in progress is never mistaken for a torn line), and caps each line's size.

use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use super::read::{BOM, Problem, Reading, Stored, parse};
use super::record::Record;
use crate::error::{Error, Result};
use crate::files;

/// A journal's bytes as read, with the lines refused for their length.
#[derive(Debug, Default)]
pub(crate) struct Loaded {
    /// The bytes, a refused line left empty (keeping the line numbers).
    pub(crate) bytes: Vec<u8>,
    /// The lines refused for their length.
    pub(super) long: Vec<Problem>,
    /// The file's metadata when it was read (none for a missing journal).
    pub(super) meta: Option<std::fs::Metadata>,
}

impl Loaded {
    /// Every record, borrowing its line, and every problem, in line order.
    pub(crate) fn reading(&self) -> Reading<Stored<'_>> {
        let mut reading = parse(&self.bytes);
        if !self.long.is_empty() {
            reading.problems.extend(self.long.iter().cloned());
            reading.problems.sort_by_key(|p| p.line);
        }
        reading
    }
}

/// Reads the journal: a regular file of this user's that others cannot
/// write (never a link), streamed, each line capped at [`files::MAX_TEXT`].
/// A missing journal is empty.
pub(crate) fn load(path: &Path) -> Result<Loaded> {
    read_bytes_checked(path, true)
}

/// Reads another journal to import: any regular file, read like the journal.
pub(crate) fn load_foreign(path: &Path) -> Result<Loaded> {
    read_bytes_checked(path, false)
}

/// The journal's records, owned; an unusable line is a [`Problem`], not an
/// error. The file is never modified.
pub(crate) fn read(path: &Path) -> Result<Reading> {
    let loaded = load(path)?;
    let reading = loaded.reading();
    Ok(Reading { records: reading.records.into_iter().map(|s| s.record).collect(), problems: reading.problems })
}

fn read_bytes_checked(path: &Path, own: bool) -> Result<Loaded> {
    let doing = if own { "read the journal" } else { "read" };
    let fail = |e: io::Error| Error::io(doing, path, &e);
    let opened =
        if own { files::open_no_follow(path, OpenOptions::new().read(true)) } else { files::open_to_read(path) };
    let file = match opened {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound && own => return Ok(Loaded::default()),
        Err(e) => return Err(fail(e)),
    };
    if own {
        files::check_owner_and_mode(path, &file.metadata().map_err(fail)?, "journal")?;
    }
    // A shared lock waits out an append in progress, so its line is never
    // mistaken for a torn one; a holder stuck past the bound (a stopped
    // process) is not waited on: the journal is read as it is.
    match files::lock_shared_within(&file, files::LOCK_WAIT) {
        Err(e) if e.kind() == io::ErrorKind::TimedOut => {
            crate::errln!("stretch: warning: {}: {e}; read as it is", path.display());
        }
        locked => locked.map_err(fail)?,
    }
    let meta = file.metadata().map_err(fail)?;
    read_capped(file).map(|(bytes, long)| Loaded { bytes, long, meta: Some(meta) }).map_err(fail)
}

/// The journal's bytes, line by line, without its byte-order mark; a line over
/// [`files::MAX_TEXT`] is left empty (keeping the line numbers) and reported,
/// so no line is ever held whole in memory beyond the limit.
fn read_capped(file: File) -> io::Result<(Vec<u8>, Vec<Problem>)> {
    let len = file.metadata().map_or(u64::MAX, |meta| meta.len());
    if len > WHOLE {
        return read_lines_capped(io::BufReader::new(file));
    }
    // Read whole, in one go; lines are checked against the limit after.
    let mut whole = Vec::with_capacity(len as usize + 1);
    file.take(WHOLE + 1).read_to_end(&mut whole)?;
    let mut start = 0;
    let long = memchr::memchr_iter(b'\n', &whole).chain([whole.len()]).any(|end| {
        let long = end - start > files::MAX_TEXT as usize;
        start = end + 1;
        long
    });
    if long || whole.len() as u64 > WHOLE {
        return read_lines_capped(io::Cursor::new(whole));
    }
    if whole.starts_with(BOM.as_bytes()) {
        whole.drain(..BOM.len());
    }
    Ok((whole, Vec::new()))
}

/// A journal up to this size is read whole, in one read; a larger one line
/// by line, so that no line over the limit is ever held whole.
const WHOLE: u64 = 256 << 20;

fn read_lines_capped(mut reader: impl BufRead) -> io::Result<(Vec<u8>, Vec<Problem>)> {
    let (mut bytes, mut long, mut line) = (Vec::new(), Vec::new(), 0);
    loop {
        line += 1;
        let start = bytes.len();
        let read = (&mut reader).take(files::MAX_TEXT + 1).read_until(b'\n', &mut bytes)?;
        if read == 0 {
            break;
        }
        if line == 1 && bytes.starts_with(BOM.as_bytes()) {
            bytes.drain(..BOM.len());
        }
        if bytes.len() - start > files::MAX_TEXT as usize && bytes.last() != Some(&b'\n') {
            bytes.truncate(start);
            loop {
                let buf = reader.fill_buf()?;
                if buf.is_empty() {
                    break;
                }
                let (used, done) = match buf.iter().position(|&b| b == b'\n') {
                    Some(at) => (at + 1, true),
                    None => (buf.len(), false),
                };
                reader.consume(used);
                if done {
                    break;
                }
            }
            bytes.push(b'\n');
            long.push(Problem {
                line,
                message: format!(
                    "the line is longer than {}, the limit for one record (not something stretch wrote)",
                    files::MAX_TEXT_WORDS
                ),
            });
        }
    }
    Ok((bytes, long))
}

/// Opens (creating it with mode 0600) the journal for appending: never
/// through a link, never a FIFO or device, never one another user owns or can
/// write.
fn open_for_append(path: &Path) -> Result<File> {
    let mut options = OpenOptions::new();
    options.read(true).append(true).create(true).mode(0o600);
    let file = files::open_no_follow(path, &mut options).map_err(|e| Error::io("write the journal", path, &e))?;
    let meta = file.metadata().map_err(|e| Error::io("write the journal", path, &e))?;
    files::check_owner_and_mode(path, &meta, "journal")?;
    Ok(file)
}

/// Checks, before a session starts, that its record will be writable.
pub(crate) fn check_writable(path: &Path) -> Result<()> {
    open_for_append(path).map(drop)
}

/// Appends records as whole lines, under an exclusive lock, then syncs; a
/// torn last line is ended first, so each record starts on a line of its own.
pub(crate) fn append(path: &Path, records: &[Record]) -> Result<()> {
    with_lock(path, |_| Ok(records.iter().map(Record::to_line).collect()))
}

/// How many records a merge added, and how many it skipped as already present.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Merged {
    /// Records appended.
    pub added: usize,
    /// Records whose id the journal already held (or that came twice).
    pub skipped: usize,
}

/// Appends the records whose id the journal does not hold yet, as stored.
/// The journal is read and appended under one lock, so two merges at once
/// cannot both add the same record. Ids are compared as read, so the same id
/// in another JSON spelling is the same record.
pub(crate) fn merge(path: &Path, incoming: &[Stored]) -> Result<Merged> {
    let mut added = 0;
    with_lock(path, |file| {
        let existing = read_locked(file, path)?;
        let existing = existing.reading();
        let mut seen: std::collections::HashSet<&str> = existing.records.iter().map(|s| s.record.id()).collect();
        let fresh: Vec<String> =
            incoming.iter().filter(|s| seen.insert(s.record.id())).map(|s| s.text.to_string()).collect();
        added = fresh.len();
        Ok(fresh)
    })?;
    Ok(Merged { added, skipped: incoming.len() - added })
}

/// Appends `record` unless `repeat` finds, in the journal as it is under the
/// exclusive lock, a record that makes it a repeat: then nothing is written
/// and the repeat's line number is returned. Checked under the lock, so two
/// identical commands at once store the record once.
pub(crate) fn append_unless<T>(
    path: &Path,
    record: &Record,
    repeat: impl FnOnce(&[Stored]) -> Option<T>,
) -> Result<Option<T>> {
    let mut found = None;
    with_lock(path, |file| {
        let existing = read_locked(file, path)?;
        found = repeat(&existing.reading().records);
        Ok(if found.is_some() { Vec::new() } else { vec![record.to_line()] })
    })?;
    Ok(found)
}

/// The journal's bytes through the handle that holds its lock.
fn read_locked(file: &mut File, path: &Path) -> Result<Loaded> {
    file.seek(SeekFrom::Start(0)).map_err(|e| Error::io("read the journal", path, &e))?;
    let clone = file.try_clone().map_err(|e| Error::io("read the journal", path, &e))?;
    let (bytes, long) = read_capped(clone).map_err(|e| Error::io("read the journal", path, &e))?;
    Ok(Loaded { bytes, long, meta: None })
}

/// Opens the journal under an exclusive lock, lets `lines_for` decide which
/// lines to add, and writes them in one synced write.
///
/// If the journal ends in a torn line (a crash mid-write), a newline is written
/// first, so the new record starts on a line of its own and stays readable. If
/// the write or the sync fails (a full disk, a quota, a size limit), the
/// journal is cut back to its length before, still under the lock, so no
/// fragment is left behind.
fn with_lock(path: &Path, lines_for: impl FnOnce(&mut File) -> Result<Vec<String>>) -> Result<()> {
    let fail = |e: io::Error| Error::io("write the journal", path, &e);
    ignore_file_size_signal();
    let mut file = open_for_append(path)?;
    files::lock_within(&file, files::LOCK_WAIT).map_err(fail)?;
    let lines = lines_for(&mut file)?;
    if lines.is_empty() {
        return Ok(());
    }
    let before = file.seek(SeekFrom::End(0)).map_err(fail)?;
    let mut text = String::new();
    if ends_mid_line(&mut file).map_err(fail)? {
        text.push('\n');
    }
    for line in lines {
        text += &line;
        text.push('\n');
    }
    // One write: with O_APPEND and the lock, a line is never interleaved.
    let written = file.write_all(text.as_bytes()).and_then(|()| file.sync_data());
    written.map_err(|e| match roll_back(&file, before) {
        Ok(()) => fail(e),
        Err(undo) => Error::failure(format!(
            "{}; cutting it back to its earlier {before} bytes also failed ({}): `stretch log --check` shows the damage",
            fail(e).message,
            crate::error::io_cause(&undo)
        )),
    })
}

/// Past a file size limit (`ulimit -f`) the kernel kills the writer with
/// SIGXFSZ before it can undo a part-written line; with a handler installed
/// the write fails with EFBIG instead, and the append is rolled back.
fn ignore_file_size_signal() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let _ = signal_hook::flag::register(
            signal_hook::consts::SIGXFSZ,
            std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false)),
        );
    });
}

/// Cuts the journal back to `len` bytes, as it was before a failed append.
fn roll_back(file: &File, len: u64) -> io::Result<()> {
    file.set_len(len)?;
    file.sync_all()
}

fn ends_mid_line(file: &mut File) -> io::Result<bool> {
    let len = file.seek(SeekFrom::End(0))?;
    if len == 0 {
        return Ok(false);
    }
    file.seek(SeekFrom::End(-1))?;
    let mut last = [0u8; 1];
    file.read_exact(&mut last)?;
    Ok(last[0] != b'\n')
}

#[cfg(test)]
mod tests {
    use chrono::DateTime;

    use super::*;
    use crate::journal::{AudioUsed, SCHEMA, Session, Source};

    fn session(id: &str) -> Record {
        let t = DateTime::parse_from_rfc3339("2026-11-26T22:30:00+01:00").unwrap();
        Record::Session(Session {
            v: SCHEMA,
            id: id.into(),
            routine: "wall-calf".into(),
            started: t,
            ended: t + chrono::Duration::seconds(58),
            reps_planned: 3,
            reps_done: 3,
            hold_ms: 30_000,
            completed: true,
            source: Source::Terminal,
            audio: AudioUsed::Device,
            paused_ms: 0,
            cramp: None,
            attended: Some(true),
            skipped: false,
            note: None,
        })
    }

    #[test]
    fn a_record_is_one_line_with_the_documented_fields() {
        let line = session("a").to_line();
        assert!(!line.contains('\n'));
        let value: serde_json::Value = serde_json::from_str(&line).unwrap();
        for key in [
            "v",
            "id",
            "type",
            "routine",
            "started",
            "ended",
            "reps_planned",
            "reps_done",
            "hold_ms",
            "completed",
            "source",
            "audio",
        ] {
            assert!(value.get(key).is_some(), "{key} in {line}");
        }
        assert_eq!(value["type"], "session");
        assert_eq!(value["started"], "2026-11-26T22:30:00.000+01:00");
        assert_eq!(serde_json::from_str::<Record>(&line).unwrap(), session("a"));
    }

    #[test]
    fn appends_after_a_torn_line_start_on_a_fresh_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.jsonl");
        std::fs::write(&path, "{\"v\":1,\"id\":\"torn").unwrap();
        append(&path, &[session("b")]).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<_> = text.lines().collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(serde_json::from_str::<Record>(lines[1]).unwrap(), session("b"));
        assert!(text.ends_with('\n'));
    }

    #[cfg(unix)]
    #[test]
    fn the_journal_is_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.jsonl");
        append(&path, &[session("c")]).unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
    }

    #[test]
    fn reading_skips_bad_lines_into_problems_and_a_missing_file_is_empty() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.jsonl");
        assert!(read(&path).unwrap().records.is_empty());
        std::fs::write(&path, format!("{}\nnot json\n\n{}\n", session("e").to_line(), session("f").to_line())).unwrap();
        let reading = read(&path).unwrap();
        assert_eq!(reading.records, [session("e"), session("f")]);
        assert_eq!(reading.problems.len(), 1);
        assert_eq!(reading.problems[0].line, 2);
    }

    #[test]
    fn an_unwritable_journal_names_its_path() {
        let err = append(Path::new("/nonexistent/dir/journal.jsonl"), &[session("d")]).unwrap_err();
        assert_eq!(
            err.message,
            "could not write the journal /nonexistent/dir/journal.jsonl: No such file or directory"
        );
    }

    #[test]
    fn a_missing_journal_reads_as_empty() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.jsonl");
        assert_eq!(read(&path).unwrap(), Reading::default());
        assert!(!path.exists(), "reading creates nothing");
    }

    #[test]
    fn unusable_lines_are_problems_and_the_rest_still_reads() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.jsonl");
        let future = session("v2").to_line().replace("\"v\":1", "\"v\":2");
        let mut bytes = Vec::new();
        for line in [
            session("a").to_line(),
            "not json".into(),
            future,
            "{\"type\":\"mood\",\"v\":1}".into(),
            String::new(),
            session("b").to_line() + "\r",
        ] {
            bytes.extend_from_slice(line.as_bytes());
            bytes.push(b'\n');
        }
        bytes.extend_from_slice(b"\xff\xfe\n");
        bytes.extend_from_slice(&session("torn").to_line().as_bytes()[..40]);
        std::fs::write(&path, &bytes).unwrap();
        let reading = read(&path).unwrap();
        let ids: Vec<_> = reading.records.iter().map(Record::id).collect();
        assert_eq!(ids, ["a", "b"]);
        let problems: Vec<_> =
            reading.problems.iter().map(|p| (p.line, p.message.split(' ').next().unwrap())).collect();
        assert_eq!(problems, [(2, "not"), (3, "unknown"), (4, "unknown"), (7, "not"), (8, "the")]);
        assert!(reading.problems[1].message.contains("v=2"), "{:?}", reading.problems[1]);
        assert!(reading.problems[4].message.contains("torn"), "{:?}", reading.problems[4]);
        assert_eq!(std::fs::read(&path).unwrap(), bytes, "reading never modifies the journal");
    }

    #[test]
    fn a_merge_adds_only_unknown_ids_and_keeps_lines_as_stored() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.jsonl");
        append(&path, &[session("a")]).unwrap();
        let laptop =
            [session("a").to_line(), session("b").to_line().replace("}", ",\"note\":\"x\"}"), session("b").to_line()];
        let joined = laptop.join("\n");
        let incoming = parse(joined.as_bytes()).records;
        assert_eq!(merge(&path, &incoming).unwrap(), Merged { added: 1, skipped: 2 });
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().nth(1), Some(laptop[1].as_str()), "unknown fields survive a merge");
        assert_eq!(merge(&path, &incoming).unwrap(), Merged { added: 0, skipped: 3 });
        assert_eq!(read(&path).unwrap().records.len(), 2);
    }
}
