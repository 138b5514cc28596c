//! The session bus, spoken directly: as much of the D-Bus protocol as the
//! notification needs (connect over a Unix socket, authenticate as this
//! user, call a method and read its reply, receive signals), with the few
//! types its calls carry (`u`, `i`, `b`, `s`, `as`, an empty `a{sv}`). A
//! general client (zbus) brought 50 crates and 1.4 MB of code for these five
//! calls; the freedesktop interface is fixed, and this file is all of it.

use std::collections::VecDeque;
use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::time::Duration;

const BUS: &str = "org.freedesktop.DBus";
const BUS_PATH: &str = "/org/freedesktop/DBus";

/// Message types.
const CALL: u8 = 1;
/// A method's reply.
pub(super) const RETURN: u8 = 2;
/// A method's error reply.
pub(super) const ERROR: u8 = 3;
/// A signal: what the notification server sends back.
pub(super) const SIGNAL: u8 = 4;

/// The largest message read; the protocol allows 128 MiB, these messages
/// are a few hundred bytes, and a peer's length field is not trusted.
const MAX_MESSAGE: usize = 1 << 20;

/// A value passed to a method.
pub(super) enum Arg<'a> {
    /// `u`
    U32(u32),
    /// `i`
    I32(i32),
    /// `s`
    Str(&'a str),
    /// `as`
    Strs(&'a [&'a str]),
    /// `a{sv}`, empty (the notification's hints: none).
    NoHints,
}

/// One message read from the bus.
pub(super) struct Message {
    /// `CALL`, `RETURN`, `ERROR` or `SIGNAL`.
    pub(super) kind: u8,
    /// The call a reply answers.
    pub(super) reply_to: Option<u32>,
    /// The interface a signal belongs to.
    pub(super) interface: Option<String>,
    /// The signal's (or call's) name.
    pub(super) member: Option<String>,
    /// The object path it concerns.
    pub(super) path: Option<String>,
    error: Option<String>,
    big_endian: bool,
    body: Vec<u8>,
}

/// A connection to a bus.
pub(super) struct Bus {
    stream: UnixStream,
    serial: u32,
    /// Signals read while waiting for a reply, kept for [`Bus::receive`].
    pending: VecDeque<Message>,
}

impl Bus {
    /// Connects to the bus at `address` (a D-Bus address: `unix:path=...` or
    /// `unix:abstract=...`, alternatives separated by `;`), authenticates and
    /// says hello. Every read and write waits at most `timeout`.
    pub(super) fn connect(address: &str, timeout: Duration) -> Result<Bus, String> {
        let stream = open(address)?;
        let limit = Some(timeout);
        stream.set_read_timeout(limit).and_then(|()| stream.set_write_timeout(limit)).map_err(|e| e.to_string())?;
        let mut bus = Bus { stream, serial: 0, pending: VecDeque::new() };
        bus.authenticate().map_err(|e| format!("authentication failed: {e}"))?;
        bus.call(BUS, BUS_PATH, BUS, "Hello", &[])?;
        Ok(bus)
    }

    /// `AUTH EXTERNAL` with this process's uid, which the bus checks against
    /// the socket's credentials.
    fn authenticate(&mut self) -> std::io::Result<()> {
        let uid = nix::unistd::getuid().as_raw().to_string();
        let hex: String = uid.bytes().map(|b| format!("{b:02x}")).collect();
        self.stream.write_all(format!("\0AUTH EXTERNAL {hex}\r\n").as_bytes())?;
        let line = self.line()?;
        if !line.starts_with("OK ") {
            return Err(std::io::Error::other(format!("the bus answered {line:?}")));
        }
        self.stream.write_all(b"BEGIN\r\n")
    }

    /// One line of the authentication exchange, read a byte at a time so that
    /// nothing after it is consumed.
    fn line(&mut self) -> std::io::Result<String> {
        let mut line = Vec::new();
        let mut byte = [0u8];
        while !line.ends_with(b"\r\n") {
            self.stream.read_exact(&mut byte)?;
            line.push(byte[0]);
            if line.len() > 512 {
                return Err(std::io::Error::other("an endless line"));
            }
        }
        line.truncate(line.len() - 2);
        Ok(String::from_utf8_lossy(&line).into_owned())
    }

    /// Calls `member` and waits for its reply; an error reply is an error.
    pub(super) fn call(
        &mut self,
        destination: &str,
        path: &str,
        interface: &str,
        member: &str,
        args: &[Arg<'_>],
    ) -> Result<Message, String> {
        let serial = self.send(0, destination, path, interface, member, args).map_err(|e| e.to_string())?;
        loop {
            let message = self.read().map_err(|e| format!("no reply to {member} ({e})"))?;
            match message.kind {
                RETURN if message.reply_to == Some(serial) => return Ok(message),
                ERROR if message.reply_to == Some(serial) => {
                    let name = message.error.as_deref().unwrap_or("an error");
                    return Err(format!("{name}: {}", message.body().str().unwrap_or_default()));
                }
                // An answer may come before the reply that showed what it answers.
                SIGNAL => self.pending.push_back(message),
                _ => {}
            }
        }
    }

    /// Calls `member` and returns at once: the serial its reply will name,
    /// which whoever receives will read (see [`Message::reply_to`]).
    pub(super) fn request(
        &mut self,
        destination: &str,
        path: &str,
        interface: &str,
        member: &str,
        args: &[Arg<'_>],
    ) -> std::io::Result<u32> {
        self.send(0, destination, path, interface, member, args)
    }

    /// Asks the bus for the signals that match `rule`.
    pub(super) fn add_match(&mut self, rule: &str) -> Result<(), String> {
        self.call(BUS, BUS_PATH, BUS, "AddMatch", &[Arg::Str(rule)]).map(drop)
    }

    /// Whether `name` has an owner on the bus.
    pub(super) fn has_owner(&mut self, name: &str) -> Result<bool, String> {
        let reply = self.call(BUS, BUS_PATH, BUS, "NameHasOwner", &[Arg::Str(name)])?;
        reply.body().u32().map(|b| b != 0).ok_or_else(|| "a malformed reply".to_string())
    }

    /// The next message, with no time limit: signals kept while waiting for a
    /// reply come first. An error once the connection is closed.
    pub(super) fn receive(&mut self) -> std::io::Result<Message> {
        if let Some(message) = self.pending.pop_front() {
            return Ok(message);
        }
        self.stream.set_read_timeout(None)?;
        self.read()
    }

    /// A second handle on the same connection, for calls from another thread
    /// than the one receiving; its serials are apart from this one's.
    pub(super) fn writer(&self) -> std::io::Result<Bus> {
        Ok(Bus { stream: self.stream.try_clone()?, serial: 1 << 30, pending: VecDeque::new() })
    }

    /// Closes the connection both ways: what was written is delivered, and a
    /// thread waiting in [`Bus::receive`] gets an error.
    pub(super) fn close(&self) {
        let _ = self.stream.shutdown(std::net::Shutdown::Both);
    }

    fn send(
        &mut self,
        flags: u8,
        destination: &str,
        path: &str,
        interface: &str,
        member: &str,
        args: &[Arg<'_>],
    ) -> std::io::Result<u32> {
        self.serial += 1;
        let mut body = Out::default();
        let mut signature = String::new();
        for arg in args {
            signature.push_str(body.arg(arg));
        }
        let mut m = Out::default();
        m.bytes(&[b'l', CALL, flags, 1]);
        m.u32(u32::try_from(body.0.len()).map_err(std::io::Error::other)?);
        m.u32(self.serial);
        let fields = m.array_start();
        m.field(1, "o", |m| m.str(path));
        m.field(2, "s", |m| m.str(interface));
        m.field(3, "s", |m| m.str(member));
        m.field(6, "s", |m| m.str(destination));
        if !signature.is_empty() {
            m.field(8, "g", |m| m.signature(&signature));
        }
        m.array_end(fields);
        m.pad(8);
        m.bytes(&body.0);
        self.stream.write_all(&m.0)?;
        Ok(self.serial)
    }

    fn read(&mut self) -> std::io::Result<Message> {
        let mut fixed = [0u8; 16];
        self.stream.read_exact(&mut fixed)?;
        let big_endian = match fixed[0] {
            b'l' => false,
            b'B' => true,
            other => return Err(std::io::Error::other(format!("not a D-Bus message (byte order {other:#x})"))),
        };
        let word = |at: usize| {
            let b = [fixed[at], fixed[at + 1], fixed[at + 2], fixed[at + 3]];
            (if big_endian { u32::from_be_bytes(b) } else { u32::from_le_bytes(b) }) as usize
        };
        let (body_len, fields_len) = (word(4), word(12));
        let padded = (16 + fields_len).next_multiple_of(8) - 16;
        if padded + body_len > MAX_MESSAGE {
            return Err(std::io::Error::other("a message larger than any this client expects"));
        }
        let mut rest = vec![0u8; padded + body_len];
        self.stream.read_exact(&mut rest)?;
        let body = rest.split_off(padded);
        let mut message = Message {
            kind: fixed[1],
            reply_to: None,
            interface: None,
            member: None,
            path: None,
            error: None,
            big_endian,
            body,
        };
        // Offsets count from the message's start: the fields begin at 16.
        let mut header = [&fixed[..], &rest[..fields_len]].concat();
        header.truncate(16 + fields_len);
        let mut r = In { data: &header, at: 16, big_endian };
        while r.at < header.len() {
            r.align(8);
            let code = r.byte().ok_or_else(malformed)?;
            let signature = r.signature().ok_or_else(malformed)?;
            match signature.as_str() {
                "s" | "o" => {
                    let text = r.str().ok_or_else(malformed)?;
                    match code {
                        1 => message.path = Some(text),
                        2 => message.interface = Some(text),
                        3 => message.member = Some(text),
                        4 => message.error = Some(text),
                        _ => {}
                    }
                }
                "u" => {
                    let value = r.u32().ok_or_else(malformed)?;
                    if code == 5 {
                        message.reply_to = Some(value);
                    }
                }
                "g" => drop(r.signature().ok_or_else(malformed)?),
                _ => return Err(malformed()),
            }
        }
        Ok(message)
    }
}

fn malformed() -> std::io::Error {
    std::io::Error::other("a malformed message header")
}

/// Opens the first of the address's Unix sockets that accepts.
fn open(address: &str) -> Result<UnixStream, String> {
    let mut why = format!("no Unix socket in the address {address:?}");
    for alternative in address.split(';') {
        let Some(keys) = alternative.strip_prefix("unix:") else { continue };
        for pair in keys.split(',') {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let value = unescape(value);
            let opened = match key {
                "path" => UnixStream::connect(&value),
                "abstract" => {
                    use std::os::linux::net::SocketAddrExt;
                    std::os::unix::net::SocketAddr::from_abstract_name(value.as_bytes())
                        .and_then(|a| UnixStream::connect_addr(&a))
                }
                _ => continue,
            };
            match opened {
                Ok(stream) => return Ok(stream),
                Err(e) => why = e.to_string(),
            }
        }
    }
    Err(why)
}

/// An address value with its `%xx` escapes undone.
fn unescape(value: &str) -> String {
    let mut out = Vec::new();
    let mut bytes = value.bytes();
    while let Some(b) = bytes.next() {
        let hex = |b: Option<u8>| b.and_then(|b| (b as char).to_digit(16));
        match b {
            b'%' => match (hex(bytes.next()), hex(bytes.next())) {
                (Some(hi), Some(lo)) => out.push((hi * 16 + lo) as u8),
                _ => out.push(b'%'),
            },
            _ => out.push(b),
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl Message {
    /// Reads the body's values in order.
    pub(super) fn body(&self) -> In<'_> {
        In { data: &self.body, at: 0, big_endian: self.big_endian }
    }
}

/// Marshals values, little-endian, aligned as the protocol requires (from
/// the buffer's start, which is the message's or its 8-aligned body's).
#[derive(Default)]
struct Out(Vec<u8>);

impl Out {
    fn pad(&mut self, to: usize) {
        self.0.resize(self.0.len().next_multiple_of(to), 0);
    }
    fn bytes(&mut self, b: &[u8]) {
        self.0.extend_from_slice(b);
    }
    fn u32(&mut self, v: u32) {
        self.pad(4);
        self.bytes(&v.to_le_bytes());
    }
    fn str(&mut self, s: &str) {
        self.u32(s.len() as u32);
        self.bytes(s.as_bytes());
        self.0.push(0);
    }
    fn signature(&mut self, s: &str) {
        self.0.push(s.len() as u8);
        self.bytes(s.as_bytes());
        self.0.push(0);
    }
    /// Starts an array of 8-aligned elements (structs): where its length goes.
    fn array_start(&mut self) -> usize {
        self.u32(0);
        let at = self.0.len() - 4;
        self.pad(8);
        at
    }
    fn array_end(&mut self, at: usize) {
        let len = (self.0.len() - (at + 4).next_multiple_of(8)) as u32;
        self.0[at..at + 4].copy_from_slice(&len.to_le_bytes());
    }
    /// A header field: its code and a variant of one basic type.
    fn field(&mut self, code: u8, signature: &str, value: impl FnOnce(&mut Out)) {
        self.pad(8);
        self.0.push(code);
        self.signature(signature);
        value(self);
    }
    /// Writes `arg`; its signature.
    fn arg(&mut self, arg: &Arg<'_>) -> &'static str {
        match arg {
            Arg::U32(v) => {
                self.u32(*v);
                "u"
            }
            Arg::I32(v) => {
                self.u32(*v as u32);
                "i"
            }
            Arg::Str(s) => {
                self.str(s);
                "s"
            }
            Arg::Strs(items) => {
                self.u32(0);
                let at = self.0.len() - 4;
                for s in *items {
                    self.str(s);
                }
                let len = (self.0.len() - (at + 4)) as u32;
                self.0[at..at + 4].copy_from_slice(&len.to_le_bytes());
                "as"
            }
            Arg::NoHints => {
                // Empty, but padded to where its first entry would start.
                self.u32(0);
                self.pad(8);
                "a{sv}"
            }
        }
    }
}

/// Reads marshalled values in order.
pub(super) struct In<'a> {
    data: &'a [u8],
    at: usize,
    big_endian: bool,
}

impl In<'_> {
    fn align(&mut self, to: usize) {
        self.at = self.at.next_multiple_of(to);
    }
    fn byte(&mut self) -> Option<u8> {
        let b = *self.data.get(self.at)?;
        self.at += 1;
        Some(b)
    }
    /// A `u` (or `b`, or `i` as its bits).
    pub(super) fn u32(&mut self) -> Option<u32> {
        self.align(4);
        let b: [u8; 4] = self.data.get(self.at..self.at + 4)?.try_into().ok()?;
        self.at += 4;
        Some(if self.big_endian { u32::from_be_bytes(b) } else { u32::from_le_bytes(b) })
    }
    /// An `s` or `o`.
    pub(super) fn str(&mut self) -> Option<String> {
        let len = self.u32()? as usize;
        let text = self.data.get(self.at..self.at.checked_add(len)?)?;
        self.at += len + 1;
        Some(String::from_utf8_lossy(text).into_owned())
    }
    fn signature(&mut self) -> Option<String> {
        let len = self.byte()? as usize;
        let text = self.data.get(self.at..self.at + len)?;
        self.at += len + 1;
        Some(String::from_utf8_lossy(text).into_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_call_is_marshalled_as_the_specification_lays_it_out() {
        let mut body = Out::default();
        let sig: String =
            [Arg::U32(7), Arg::Strs(&["a", "bc"]), Arg::NoHints, Arg::I32(-1)].iter().map(|a| body.arg(a)).collect();
        assert_eq!(sig, "uasa{sv}i");
        #[rustfmt::skip]
        let expected: &[u8] = &[
            7, 0, 0, 0,
            15, 0, 0, 0, 1, 0, 0, 0, b'a', 0, 0, 0, 2, 0, 0, 0, b'b', b'c', 0,
            0, 0, 0, 0, 0, 0, 0, 0, 0, // a{sv}: aligned to 4, empty, then padded to 8
            0xff, 0xff, 0xff, 0xff,
        ];
        assert_eq!(body.0, expected);
    }

    #[test]
    fn values_read_back_in_either_byte_order() {
        let data = [0, 0, 0, 2, 0, 0, 0, 2, b'h', b'i', 0];
        let mut r = In { data: &data, at: 0, big_endian: true };
        assert_eq!((r.u32(), r.str()), (Some(2), Some("hi".into())));
        let mut r = In { data: &data[..9], at: 4, big_endian: true };
        assert_eq!(r.str(), None, "a string that runs past the end is refused");
    }

    #[test]
    fn addresses_are_unescaped_and_a_foreign_transport_is_named() {
        assert_eq!(unescape("/tmp/a%20b%2c"), "/tmp/a b,");
        let why = open("tcp:host=localhost,port=1").err().unwrap();
        assert!(why.contains("no Unix socket"), "{why}");
    }
}
