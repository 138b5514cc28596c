//! A cache of the journal's reading, so `stretch log` parses only the lines
//! appended since its last run. It is never trusted over the journal: it is
//! used only while the journal is the same file (device and inode), no
//! shorter than the part the cache covers, with the same bytes in that part
//! (by a checksum: an edit in place followed by an append is seen), and
//! unchanged (same modification time) if no longer; otherwise, or if the
//! cache cannot be read, the journal is read in full and the cache rebuilt.
//! The records, lines and problems given are those [`super::parse`] gives.
//!
//! The format is this program's own (little-endian, versioned by [`MAGIC`]):
//! every field of every record is written and read by destructuring, so a
//! field added to a record does not compile until it is cached too (and
//! [`MAGIC`] changes with it).

use std::io::{Read, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt};
use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset};

use super::read::{Problem, Reading, Stored, parse, parse_from};
use super::record::{AudioUsed, Confirm, Cramp, Leg, Record, Retract, Session, Source};
use super::store::Loaded;

/// The format's name and version: a cache of another version is rebuilt.
const MAGIC: &[u8; 8] = b"stretch\x03";

/// The largest cache read: far beyond any journal's.
const MAX_CACHE: u64 = 1 << 30;

/// The cache file for the journal at `journal`, under `cache_dir`: one per
/// journal, named by a hash of its path.
pub(crate) fn file_for(cache_dir: &Path, journal: &Path) -> PathBuf {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    std::path::absolute(journal).unwrap_or_else(|_| journal.to_path_buf()).hash(&mut hasher);
    cache_dir.join("journal").join(format!("{:016x}.bin", hasher.finish()))
}

/// Which file, and how much of it, a cache covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Key {
    dev: u64,
    ino: u64,
    /// Bytes covered (after a leading byte-order mark), ending with a newline.
    len: u64,
    /// Newlines in the bytes covered.
    lines: u64,
    /// The journal's modification time when the cache was written.
    mtime: (i64, i64),
    sum: u64, // a checksum of the bytes covered
}

/// A checksum of `bytes`, far cheaper than parsing them (fixed keys).
fn checksum(bytes: &[u8]) -> u64 {
    use std::hash::Hasher;
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    hasher.write(bytes);
    hasher.finish()
}

/// The journal's reading, through the cache file `cache` when it holds; the
/// cache is then brought up to date (quietly: a cache that cannot be written
/// only costs the next run its speed).
pub(crate) fn reading<'a>(loaded: &'a Loaded, cache: &Path) -> Reading<Stored<'a>> {
    let Some(meta) = loaded.meta.as_ref().filter(|_| loaded.long.is_empty()) else { return loaded.reading() };
    let bytes = &loaded.bytes[..];
    let (dev, ino, mtime) = (meta.dev(), meta.ino(), (meta.mtime(), meta.mtime_nsec()));
    let cached = read_cache(cache).and_then(|data| {
        let mut r = Reader { data: &data, at: 0 };
        (r.take(MAGIC.len())? == MAGIC).then_some(())?;
        let (dev, ino, len, lines, mtime) = (r.u64()?, r.u64()?, r.u64()?, r.u64()?, (r.i64()?, r.i64()?));
        let key = Key { dev, ino, len, lines, mtime, sum: r.u64()? };
        let len = usize::try_from(key.len).ok()?;
        let prefix = bytes.get(..len)?;
        let same = key.dev == dev && key.ino == ino && (len < bytes.len() || key.mtime == mtime);
        let whole =
            prefix.last().is_none_or(|b| *b == b'\n') && memchr::memchr_iter(b'\n', prefix).count() as u64 == key.lines;
        (same && whole && checksum(prefix) == key.sum).then_some(())?;
        Some((key, body(&mut r, bytes)?))
    });
    let fresh = cached.is_none();
    let (covered, lines, mut reading) = match cached {
        Some((key, reading)) => (key.len as usize, key.lines as usize, reading),
        None => (0, 0, Reading::default()),
    };
    let rest = if covered == 0 { parse(bytes) } else { parse_from(bytes, covered, lines + 1) };
    reading.records.extend(rest.records);
    reading.problems.extend(rest.problems);
    let end = bytes.iter().rposition(|b| *b == b'\n').map_or(0, |at| at + 1);
    if fresh || end > covered {
        let lines = lines as u64 + memchr::memchr_iter(b'\n', &bytes[covered..end]).count() as u64;
        let key = Key { dev, ino, len: end as u64, lines, mtime, sum: checksum(&bytes[..end]) };
        let _ = write(cache, &key, &reading, bytes);
    }
    reading
}

/// The cache's bytes: a regular file, never through a link, of bounded size.
fn read_cache(cache: &Path) -> Option<Vec<u8>> {
    let file = crate::files::open_no_follow(cache, std::fs::OpenOptions::new().read(true)).ok()?;
    let meta = file.metadata().ok()?;
    (meta.is_file() && meta.len() <= MAX_CACHE).then_some(())?;
    let mut data = Vec::with_capacity(meta.len() as usize);
    file.take(MAX_CACHE).read_to_end(&mut data).ok()?;
    Some(data)
}

/// Where `text` starts in `bytes` (it is a slice of them).
fn offset(text: &str, bytes: &[u8]) -> usize {
    text.as_ptr() as usize - bytes.as_ptr() as usize
}

/// Writes the records and problems of the bytes `key` covers, through a new
/// file renamed into place, private to the user.
fn write(cache: &Path, key: &Key, reading: &Reading<Stored>, bytes: &[u8]) -> std::io::Result<()> {
    let end = key.len as usize;
    let mut w = Writer(Vec::with_capacity(end / 2));
    w.0.extend_from_slice(MAGIC);
    for n in [key.dev, key.ino, key.len, key.lines] {
        w.u64(n);
    }
    w.i64(key.mtime.0);
    w.i64(key.mtime.1);
    w.u64(key.sum);
    let records: Vec<&Stored> = reading.records.iter().filter(|s| offset(s.text, bytes) < end).collect();
    let problems: Vec<&Problem> = reading.problems.iter().filter(|p| p.line as u64 <= key.lines).collect();
    w.u64(records.len() as u64);
    for stored in records {
        let start = offset(stored.text, bytes);
        w.u64(stored.line as u64);
        w.u64(start as u64);
        w.u64((start + stored.text.len()) as u64);
        w.record(&stored.record);
    }
    w.u64(problems.len() as u64);
    for problem in problems {
        w.u64(problem.line as u64);
        w.str(&problem.message);
    }
    let dir = cache.parent().unwrap_or(Path::new("."));
    std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)?;
    let mut file = tempfile::NamedTempFile::new_in(dir)?;
    file.write_all(&w.0)?;
    file.persist(cache).map_err(|e| e.error)?;
    Ok(())
}

/// The cached records and problems, their lines borrowed from `bytes`.
fn body<'a>(r: &mut Reader, bytes: &'a [u8]) -> Option<Reading<Stored<'a>>> {
    let count = usize::try_from(r.u64()?).ok()?;
    let mut records = Vec::with_capacity(count.min(bytes.len()));
    for _ in 0..count {
        let line = usize::try_from(r.u64()?).ok()?;
        let (start, end) = (usize::try_from(r.u64()?).ok()?, usize::try_from(r.u64()?).ok()?);
        let text = std::str::from_utf8(bytes.get(start..end)?).ok()?;
        records.push(Stored { line, record: r.record()?, text });
    }
    let count = usize::try_from(r.u64()?).ok()?;
    let mut problems = Vec::with_capacity(count.min(bytes.len()));
    for _ in 0..count {
        problems.push(Problem { line: usize::try_from(r.u64()?).ok()?, message: r.str()? });
    }
    (r.at == r.data.len()).then_some(Reading { records, problems })
}

struct Writer(Vec<u8>);

impl Writer {
    fn u64(&mut self, n: u64) {
        self.0.extend_from_slice(&n.to_le_bytes());
    }

    fn i64(&mut self, n: i64) {
        self.0.extend_from_slice(&n.to_le_bytes());
    }

    fn u8(&mut self, n: u8) {
        self.0.push(n);
    }

    fn str(&mut self, text: &str) {
        self.u64(text.len() as u64);
        self.0.extend_from_slice(text.as_bytes());
    }

    fn opt_str(&mut self, text: Option<&str>) {
        match text {
            Some(text) => {
                self.u8(1);
                self.str(text);
            }
            None => self.u8(0),
        }
    }

    fn opt_u64(&mut self, n: Option<u64>) {
        match n {
            Some(n) => {
                self.u8(1);
                self.u64(n);
            }
            None => self.u8(0),
        }
    }

    fn time(&mut self, t: &DateTime<FixedOffset>) {
        self.i64(t.timestamp());
        self.u64(t.timestamp_subsec_nanos().into());
        self.i64(t.offset().local_minus_utc().into());
    }

    fn record(&mut self, record: &Record) {
        match record {
            Record::Session(Session {
                v,
                id,
                routine,
                started,
                ended,
                reps_planned,
                reps_done,
                hold_ms,
                completed,
                source,
                audio,
                paused_ms,
                cramp,
                attended,
                skipped,
                note,
            }) => {
                self.u8(0);
                self.u64((*v).into());
                self.str(id);
                self.str(routine);
                self.time(started);
                self.time(ended);
                self.u64((*reps_planned).into());
                self.u64((*reps_done).into());
                self.u64(*hold_ms);
                self.u8((*completed).into());
                self.u8(match source {
                    Source::Terminal => 0,
                    Source::Cron => 1,
                    Source::Entered => 2,
                });
                self.u8(match audio {
                    AudioUsed::Device => 0,
                    AudioUsed::Bell => 1,
                    AudioUsed::None => 2,
                    AudioUsed::Off => 3,
                    AudioUsed::Lost => 4,
                });
                self.u64(*paused_ms);
                self.opt_str(cramp.as_deref());
                self.u8(match attended {
                    None => 0,
                    Some(false) => 1,
                    Some(true) => 2,
                });
                self.u8((*skipped).into());
                self.opt_str(note.as_deref());
            }
            Record::Cramp(Cramp { v, id, at, leg, severity, note, lasted_ms }) => {
                self.u8(1);
                self.u64((*v).into());
                self.str(id);
                self.time(at);
                self.u8(match leg {
                    Leg::Left => 0,
                    Leg::Right => 1,
                    Leg::Both => 2,
                });
                self.u8(*severity);
                self.opt_str(note.as_deref());
                self.opt_u64(*lasted_ms);
            }
            Record::Confirm(Confirm { v, id, session, at }) => {
                self.u8(2);
                self.u64((*v).into());
                self.str(id);
                self.str(session);
                self.time(at);
            }
            Record::Retract(Retract { v, id, record, at }) => {
                self.u8(3);
                self.u64((*v).into());
                self.str(id);
                self.str(record);
                self.time(at);
            }
        }
    }
}

struct Reader<'d> {
    data: &'d [u8],
    at: usize,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Option<&[u8]> {
        let bytes = self.data.get(self.at..self.at.checked_add(n)?)?;
        self.at += n;
        Some(bytes)
    }

    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }

    fn i64(&mut self) -> Option<i64> {
        Some(i64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }

    fn u32(&mut self) -> Option<u32> {
        u32::try_from(self.u64()?).ok()
    }

    fn u8(&mut self) -> Option<u8> {
        Some(self.take(1)?[0])
    }

    fn bool(&mut self) -> Option<bool> {
        match self.u8()? {
            0 => Some(false),
            1 => Some(true),
            _ => None,
        }
    }

    fn str(&mut self) -> Option<String> {
        let len = usize::try_from(self.u64()?).ok()?;
        String::from_utf8(self.take(len)?.to_vec()).ok()
    }

    fn opt_str(&mut self) -> Option<Option<String>> {
        match self.u8()? {
            0 => Some(None),
            1 => Some(Some(self.str()?)),
            _ => None,
        }
    }

    fn opt_u64(&mut self) -> Option<Option<u64>> {
        match self.u8()? {
            0 => Some(None),
            1 => Some(Some(self.u64()?)),
            _ => None,
        }
    }

    fn time(&mut self) -> Option<DateTime<FixedOffset>> {
        let (secs, nanos, offset) = (self.i64()?, self.u64()?, self.i64()?);
        let offset = FixedOffset::east_opt(i32::try_from(offset).ok()?)?;
        Some(DateTime::from_timestamp(secs, u32::try_from(nanos).ok()?)?.with_timezone(&offset))
    }

    fn record(&mut self) -> Option<Record> {
        Some(match self.u8()? {
            0 => Record::Session(Session {
                v: self.u32()?,
                id: self.str()?,
                routine: self.str()?,
                started: self.time()?,
                ended: self.time()?,
                reps_planned: self.u32()?,
                reps_done: self.u32()?,
                hold_ms: self.u64()?,
                completed: self.bool()?,
                source: match self.u8()? {
                    0 => Source::Terminal,
                    1 => Source::Cron,
                    2 => Source::Entered,
                    _ => return None,
                },
                audio: match self.u8()? {
                    0 => AudioUsed::Device,
                    1 => AudioUsed::Bell,
                    2 => AudioUsed::None,
                    3 => AudioUsed::Off,
                    4 => AudioUsed::Lost,
                    _ => return None,
                },
                paused_ms: self.u64()?,
                cramp: self.opt_str()?,
                attended: match self.u8()? {
                    0 => None,
                    1 => Some(false),
                    2 => Some(true),
                    _ => return None,
                },
                skipped: self.bool()?,
                note: self.opt_str()?,
            }),
            1 => Record::Cramp(Cramp {
                v: self.u32()?,
                id: self.str()?,
                at: self.time()?,
                leg: match self.u8()? {
                    0 => Leg::Left,
                    1 => Leg::Right,
                    2 => Leg::Both,
                    _ => return None,
                },
                severity: self.u8()?,
                note: self.opt_str()?,
                lasted_ms: self.opt_u64()?,
            }),
            2 => Record::Confirm(Confirm { v: self.u32()?, id: self.str()?, session: self.str()?, at: self.time()? }),
            3 => Record::Retract(Retract { v: self.u32()?, id: self.str()?, record: self.str()?, at: self.time()? }),
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::FileExt;

    use super::*;

    fn session(id: &str, day: u32) -> String {
        format!(
            r#"{{"type":"session","v":1,"id":"{id}","routine":"wall-calf","started":"2026-11-{day:02}T22:30:00.000+01:00","ended":"2026-11-{day:02}T22:31:00.000+01:00","reps_planned":3,"reps_done":3,"hold_ms":90000,"completed":true,"source":"cron","audio":"device","paused_ms":0,"attended":false,"cramp":"c\u00e9","skipped":true,"note":"sore \u00e9"}}"#
        )
    }

    /// Each change to the journal, read through the cache, reads exactly as
    /// a full reading of the same bytes.
    #[test]
    fn the_cache_never_changes_what_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let journal = dir.path().join("journal.jsonl");
        let cache = file_for(&dir.path().join("cache"), &journal);
        let cramp = r#"{"type":"cramp","v":1,"id":"c1","at":"2026-11-27T03:10:00.000+01:00","leg":"both","severity":3,"note":"a \"bad\" one","lasted_ms":300000}"#;
        let mark = r#"{"type":"retract","v":1,"id":"r1","record":"s1","at":"2026-11-27T08:00:00.000-05:00"}"#;
        type Step = Box<dyn Fn(&Path)>;
        let steps: Vec<Step> = vec![
            Box::new(move |p| std::fs::write(p, format!("{}\n{cramp}\nnot json\n", session("s1", 1))).unwrap()),
            Box::new(move |p| append(p, &format!("{}\n{mark}\n", session("s2", 2)))),
            Box::new(move |p| append(p, "{\"type\":\"session\",\"v\":1,\"id\":\"torn")),
            Box::new(move |p| append(p, &format!("\n{}\n", session("s3", 3)))),
            // Rewritten shorter, then in place at the same length.
            Box::new(move |p| std::fs::write(p, format!("{}\n", session("s4", 4))).unwrap()),
            Box::new(move |p| {
                std::thread::sleep(std::time::Duration::from_millis(20));
                std::fs::write(p, format!("{}\n", session("s5", 5))).unwrap()
            }),
            // Another file in its place.
            Box::new(move |p| {
                let other = p.with_extension("new");
                std::fs::write(&other, format!("{}\n{cramp}\n", session("s6", 6))).unwrap();
                std::fs::rename(&other, p).unwrap();
            }),
        ];
        for step in steps {
            step(&journal);
            let loaded = crate::journal::load(&journal).unwrap();
            let full = loaded.reading();
            assert_eq!(reading(&loaded, &cache), full, "the first reading, which writes the cache");
            assert!(cache.exists());
            assert_eq!(reading(&loaded, &cache), full, "the reading through the cache");
        }
        std::fs::write(&cache, b"stretch\x01garbage").unwrap();
        let loaded = crate::journal::load(&journal).unwrap();
        assert_eq!(reading(&loaded, &cache), loaded.reading(), "a damaged cache is rebuilt");
    }

    /// A cache that holds is what is read (its copy of an id, changed, shows);
    /// an edit in place at the same length, then an append, reads as the new
    /// bytes, never as the cached copy of the old ones.
    #[test]
    fn an_edit_in_place_is_seen_though_the_file_then_grew() {
        let dir = tempfile::tempdir().unwrap();
        let journal = dir.path().join("journal.jsonl");
        let cache = file_for(&dir.path().join("cache"), &journal);
        std::fs::write(&journal, format!("{}\n", session("s1", 1))).unwrap();
        let loaded = crate::journal::load(&journal).unwrap();
        reading(&loaded, &cache);
        let (id, mut data) = ([&2u64.to_le_bytes()[..], b"s1"].concat(), std::fs::read(&cache).unwrap());
        let at = data.windows(id.len()).position(|w| w == id).unwrap() + 8;
        data[at] = b'x';
        std::fs::write(&cache, data).unwrap();
        assert_eq!(reading(&loaded, &cache).records[0].record.id(), "x1", "read from the cache");
        let file = std::fs::OpenOptions::new().write(true).open(&journal).unwrap();
        file.write_all_at(session("s2", 1).as_bytes(), 0).unwrap();
        append(&journal, &format!("{}\n", session("s3", 3)));
        let loaded = crate::journal::load(&journal).unwrap();
        let ids: Vec<_> = reading(&loaded, &cache).records.iter().map(|s| s.record.id().to_string()).collect();
        assert_eq!(ids, ["s2", "s3"], "the edited line is read again");
        assert_eq!(reading(&loaded, &cache), loaded.reading());
    }

    fn append(path: &Path, text: &str) {
        let mut file = std::fs::OpenOptions::new().append(true).open(path).unwrap();
        file.write_all(text.as_bytes()).unwrap();
    }
}
