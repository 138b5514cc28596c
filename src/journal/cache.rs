//! A cache of the journal's reading, so `stretch log` neither parses nor
//! counts again the lines it read on its last run. It is never trusted over
//! the journal: it is used only while the journal is the same file (device
//! and inode), no shorter than the part the cache covers, with the same
//! bytes in that part (by a checksum: an edit in place followed by an
//! append is seen), and unchanged (same modification time) if no longer;
//! a cache that is damaged (its own checksum), of another version, not a
//! regular file, or reached through a link is not read. Otherwise the
//! journal is read in full and the cache rebuilt. The records, lines and
//! problems given are those [`super::parse`] gives.
//!
//! It holds the records (for the views that list every field), the lines
//! that are no records, and a [`Digest`]: the tally and the standing records
//! under the rules of the last run, which lines appended since are counted
//! onto when they change nothing earlier (see there).
//!
//! The format is this program's own (little-endian, versioned by [`MAGIC`],
//! [`super::codec`]).

use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt};
use std::path::{Path, PathBuf};

use super::codec::{Reader, Writer};
use super::digest::{Digest, offset};
use super::read::{Problem, Reading, Stored, parse, parse_from};
use super::store::Loaded;
use super::tally::Rules;

/// The format's name and version: a cache of another version is rebuilt.
const MAGIC: &[u8; 8] = b"stretch\x04";

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

/// A checksum of `bytes`, far cheaper than parsing them (a few GB/s).
fn checksum(bytes: &[u8]) -> u64 {
    xxhash_rust::xxh3::xxh3_64(bytes)
}

/// The journal's reading, through the cache file `cache` when it holds; the
/// cache is then brought up to date (quietly: a cache that cannot be written
/// only costs the next run its speed).
pub(crate) fn reading<'a>(loaded: &'a Loaded, cache: &Path) -> Reading<Stored<'a>> {
    match through(loaded, cache, None) {
        Some(Through { records: Some(records), problems, .. }) => Reading { records, problems },
        _ => loaded.reading(),
    }
}

/// The journal's [`Digest`] under `rules` and its unusable lines, through
/// the cache file `cache`, which is brought up to date; `None` when the
/// journal cannot be cached (a line over the limit) or `rules` count one
/// routine only: then the records are read.
pub(crate) fn digest(loaded: &Loaded, cache: &Path, rules: &Rules) -> Option<(Digest, Vec<super::Problem>)> {
    let through = through(loaded, cache, Some(rules))?;
    Some((through.digest?, through.problems))
}

/// What a reading through the cache gives: the records only when they had
/// to be read.
struct Through<'a> {
    problems: Vec<Problem>,
    records: Option<Vec<Stored<'a>>>,
    digest: Option<Digest>,
}

/// What a cache file's head holds; its records are read from the file
/// only when they are needed.
struct Cached {
    key: Key,
    problems: Vec<Problem>,
    digest: Option<Digest>,
    file: std::fs::File,
    /// Where the digest's rest starts in the file, after the head.
    rest_at: u64,
}

fn through<'a>(loaded: &'a Loaded, cache: &Path, rules: Option<&Rules>) -> Option<Through<'a>> {
    let meta = loaded.meta.as_ref().filter(|_| loaded.long.is_empty())?;
    let bytes = &loaded.bytes[..];
    let (dev, ino, mtime) = (meta.dev(), meta.ino(), (meta.mtime(), meta.mtime_nsec()));
    let cached = read_cache(cache).and_then(|(file, head, rest_at)| {
        Cached::read(file, &head, bytes, (dev, ino, mtime)).map(|cached| Cached { rest_at, ..cached })
    });
    // What this run can cache: whole lines only (a torn last line is read again).
    let end = bytes.iter().rposition(|b| *b == b'\n').map_or(0, |at| at + 1);
    let (covered, lines) = cached.as_ref().map_or((0, 0), |c| (c.key.len as usize, c.key.lines));
    let lines = lines + memchr::memchr_iter(b'\n', &bytes[covered.min(end)..end]).count() as u64;
    let sum = match &cached {
        Some(cached) if covered == end => cached.key.sum,
        _ => checksum(&bytes[..end]),
    };
    let key = Key { dev, ino, len: end as u64, lines, mtime, sum };
    let sealed = |s: &Stored| offset(s.text, bytes) < end;
    if let Some(mut cached) = cached {
        let rest = parse_from(bytes, covered, cached.key.lines as usize + 1);
        let mut problems = std::mem::take(&mut cached.problems);
        problems.extend(rest.problems);
        if let (Some(rules), Some(mut digest)) = (rules, cached.digest.take()) {
            let (new, tail): (Vec<_>, Vec<_>) = rest.records.into_iter().partition(sealed);
            if end > covered || !tail.is_empty() {
                // Counting more, or writing the digest again, needs all of it.
                let rest = section(&cached.file, cached.rest_at);
                rest.and_then(|rest| digest.read_rest(&mut Reader { data: &rest, at: 0 }));
            }
            if digest.extend(&new, bytes, rules) {
                if end > covered
                    && let Some((count, earlier)) = read_records(&cached.file, cached.rest_at)
                {
                    let kept: Vec<_> = problems.iter().filter(|p| p.line as u64 <= key.lines).collect();
                    let _ = write(cache, &key, &kept, Some(&digest), (count, &earlier), &new, bytes);
                }
                if tail.is_empty() || digest.extend(&tail, bytes, rules) {
                    return Some(Through { problems, records: None, digest: Some(digest) });
                }
            }
            let Some(mut records) = cached.decode(bytes) else { return Some(afresh(cache, &key, Some(rules), bytes)) };
            records.extend(new.into_iter().chain(tail));
            return Some(finish(cache, &key, problems, records, Some(rules), bytes));
        }
        let Some(mut records) = cached.decode(bytes) else { return Some(afresh(cache, &key, rules, bytes)) };
        records.extend(rest.records);
        if end > covered || rules.is_some() {
            return Some(finish(cache, &key, problems, records, rules, bytes));
        }
        return Some(Through { problems, records: Some(records), digest: None });
    }
    Some(afresh(cache, &key, rules, bytes))
}

/// Every line of the journal read again, and the cache rewritten.
fn afresh<'a>(cache: &Path, key: &Key, rules: Option<&Rules>, bytes: &'a [u8]) -> Through<'a> {
    let reading = parse(bytes);
    finish(cache, key, reading.problems, reading.records, rules, bytes)
}

/// The reading of every record, with the digest under `rules`, after the
/// cache is rewritten for the whole lines of `key`.
fn finish<'a>(
    cache: &Path,
    key: &Key,
    problems: Vec<Problem>,
    records: Vec<Stored<'a>>,
    rules: Option<&Rules>,
    bytes: &[u8],
) -> Through<'a> {
    let end = key.len as usize;
    let sealed = records.iter().take_while(|s| offset(s.text, bytes) < end).count();
    let digest = rules.and_then(|rules| Digest::of(&records[..sealed], bytes, rules));
    let kept: Vec<_> = problems.iter().filter(|p| p.line as u64 <= key.lines).collect();
    let _ = write(cache, key, &kept, digest.as_ref(), (0, &[]), &records[..sealed], bytes);
    let digest = match digest {
        Some(_) if sealed < records.len() => rules.and_then(|rules| Digest::of(&records, bytes, rules)),
        digest => digest,
    };
    Through { problems, records: Some(records), digest }
}

/// The cache file and its head (after [`MAGIC`], its checksum and its
/// length): a regular file, never through a link, of bounded size, whose
/// head is whole.
fn read_cache(cache: &Path) -> Option<(std::fs::File, Vec<u8>, u64)> {
    let mut file = crate::files::open_no_follow(cache, std::fs::OpenOptions::new().read(true)).ok()?;
    let meta = file.metadata().ok()?;
    (meta.is_file() && meta.len() <= MAX_CACHE).then_some(())?;
    let mut top = [0u8; 24];
    file.read_exact(&mut top).ok()?;
    (top[..8] == MAGIC[..]).then_some(())?;
    let [sum, len] = [&top[8..16], &top[16..24]].map(|b| u64::from_le_bytes(b.try_into().unwrap_or_default()));
    (len <= meta.len()).then_some(())?;
    let mut head = vec![0; usize::try_from(len).ok()?];
    file.read_exact(&mut head).ok()?;
    (checksum(&head) == sum).then_some((file, head, 24 + len))
}

/// The section (its checksum, its length, its bytes) at `at` in `file`, if whole.
fn section(mut file: &std::fs::File, at: u64) -> Option<Vec<u8>> {
    file.seek(SeekFrom::Start(at)).ok()?;
    let mut top = [0u8; 16];
    file.read_exact(&mut top).ok()?;
    let [sum, len] = [&top[..8], &top[8..]].map(|b| u64::from_le_bytes(b.try_into().unwrap_or_default()));
    let mut data = Vec::new();
    file.take(len.min(MAX_CACHE)).read_to_end(&mut data).ok()?;
    (data.len() as u64 == len && checksum(&data) == sum).then_some(data)
}

/// The records after the digest's rest (at `rest_at`): how many, and their
/// bytes, if whole.
fn read_records(mut file: &std::fs::File, rest_at: u64) -> Option<(u64, Vec<u8>)> {
    file.seek(SeekFrom::Start(rest_at + 8)).ok()?;
    let mut len = [0u8; 8];
    file.read_exact(&mut len).ok()?;
    file.seek(SeekFrom::Start(rest_at.checked_add(16)?.checked_add(u64::from_le_bytes(len))?)).ok()?;
    let mut top = [0u8; 16];
    file.read_exact(&mut top).ok()?;
    let [sum, count] = [&top[..8], &top[8..]].map(|b| u64::from_le_bytes(b.try_into().unwrap_or_default()));
    let mut data = Vec::new();
    file.take(MAX_CACHE).read_to_end(&mut data).ok()?;
    (checksum(&data) == sum).then_some((count, data))
}

impl Cached {
    /// The cache whose head is `head`, if it covers a part of the journal
    /// `bytes` (the file `file`: device, inode, modification time) as it is now.
    fn read(file: std::fs::File, head: &[u8], bytes: &[u8], id: (u64, u64, (i64, i64))) -> Option<Cached> {
        let mut r = Reader { data: head, at: 0 };
        let (dev, ino, len, lines, mtime) = (r.u64()?, r.u64()?, r.u64()?, r.u64()?, (r.i64()?, r.i64()?));
        let key = Key { dev, ino, len, lines, mtime, sum: r.u64()? };
        let prefix = bytes.get(..usize::try_from(key.len).ok()?)?;
        let same = (key.dev, key.ino) == (id.0, id.1) && (prefix.len() < bytes.len() || key.mtime == id.2);
        let whole = prefix.last().is_none_or(|b| *b == b'\n');
        (same && whole && checksum(prefix) == key.sum).then_some(())?;
        let count = usize::try_from(r.u64()?).ok()?;
        let mut problems = Vec::with_capacity(count.min(bytes.len()));
        for _ in 0..count {
            problems.push(Problem { line: usize::try_from(r.u64()?).ok()?, message: r.str()? });
        }
        let digest = match r.u8()? {
            0 => None,
            1 => Some(Digest::read(&mut r, prefix.len())?),
            _ => return None,
        };
        (r.at == head.len()).then_some(Cached { key, problems, digest, file, rest_at: 0 })
    }

    /// The cached records, their lines borrowed from `bytes`.
    fn decode<'a>(&self, bytes: &'a [u8]) -> Option<Vec<Stored<'a>>> {
        let (count, data) = read_records(&self.file, self.rest_at)?;
        let mut r = Reader { data: &data, at: 0 };
        let mut records = Vec::with_capacity(usize::try_from(count).ok()?.min(bytes.len()));
        for _ in 0..count {
            let line = usize::try_from(r.u64()?).ok()?;
            let (start, end) = (usize::try_from(r.u64()?).ok()?, usize::try_from(r.u64()?).ok()?);
            let text = std::str::from_utf8(bytes.get(start..end)?).ok()?;
            records.push(Stored { line, record: r.record()?, text });
        }
        (r.at == data.len()).then_some(records)
    }
}

/// Writes the cache for the bytes `key` covers: its problems, the digest,
/// and its records (`earlier`, records already in the cache's layout, then
/// `records`), through a new file renamed into place, private to the user.
fn write(
    cache: &Path,
    key: &Key,
    problems: &[&Problem],
    digest: Option<&Digest>,
    earlier: (u64, &[u8]),
    records: &[Stored],
    bytes: &[u8],
) -> std::io::Result<()> {
    let mut w = Writer(Vec::with_capacity(4096));
    for n in [key.dev, key.ino, key.len, key.lines] {
        w.u64(n);
    }
    w.i64(key.mtime.0);
    w.i64(key.mtime.1);
    w.u64(key.sum);
    w.u64(problems.len() as u64);
    for problem in problems {
        w.u64(problem.line as u64);
        w.str(&problem.message);
    }
    let mut rest = Writer(Vec::new());
    match digest.filter(|digest| digest.write_rest(&mut rest).is_some()) {
        Some(digest) => {
            w.u8(1);
            digest.write(&mut w);
        }
        None => w.u8(0),
    }
    let (head, rest) = (w.0, rest.0);
    let mut w = Writer(Vec::with_capacity(records.len() * 256));
    for stored in records {
        let start = offset(stored.text, bytes);
        w.u64(stored.line as u64);
        w.u64(start as u64);
        w.u64((start + stored.text.len()) as u64);
        w.record(&stored.record);
    }
    let mut sum = xxhash_rust::xxh3::Xxh3::new();
    sum.update(earlier.1);
    sum.update(&w.0);
    let top = [checksum(&head), head.len() as u64, sum.digest(), earlier.0 + records.len() as u64];
    let dir = cache.parent().unwrap_or(Path::new("."));
    std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)?;
    let mut file = tempfile::NamedTempFile::new_in(dir)?;
    file.write_all(MAGIC)?;
    let numbers = |ns: &[u64]| ns.iter().flat_map(|n| n.to_le_bytes()).collect::<Vec<u8>>();
    file.write_all(&numbers(&top[..2]))?;
    file.write_all(&head)?;
    file.write_all(&numbers(&[checksum(&rest), rest.len() as u64]))?;
    file.write_all(&rest)?;
    file.write_all(&numbers(&top[2..]))?;
    file.write_all(earlier.1)?;
    file.write_all(&w.0)?;
    file.persist(cache).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests;
