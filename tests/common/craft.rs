//! Hand-made zip archives for hostile-input tests: every field is ours to set, so a test can
//! build what no zip writer would (entries sharing bytes, local headers that disagree with
//! the directory, names in two encodings, data before the archive).

/// One local header and its data, as written.
#[derive(Debug, Clone, Copy)]
pub struct Local {
    /// Offset of the local header.
    pub offset: u32,
    /// CRC-32 of the uncompressed data.
    pub crc: u32,
    /// Bytes stored after the header.
    pub compressed: u32,
    /// Uncompressed size.
    pub size: u32,
    /// 0 stored, 8 deflated.
    pub method: u16,
}

/// A zip archive under construction.
#[derive(Default)]
pub struct Craft {
    out: Vec<u8>,
    central: Vec<u8>,
    entries: u16,
}

/// General-purpose flag bit 11: the name is UTF-8.
pub const UTF8: u16 = 1 << 11;

fn put16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn put32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

impl Craft {
    /// An empty archive, optionally preceded by `junk` bytes.
    pub fn new(junk: &[u8]) -> Craft {
        Craft {
            out: junk.to_vec(),
            ..Craft::default()
        }
    }

    /// Writes a local header named `name` followed by `data` (already compressed with
    /// `method`; `size` and `crc` describe the uncompressed bytes).
    pub fn local(
        &mut self,
        name: &[u8],
        flags: u16,
        method: u16,
        data: &[u8],
        size: u32,
        crc: u32,
    ) -> Local {
        let offset = self.out.len() as u32;
        let out = &mut self.out;
        put32(out, 0x0403_4b50);
        put16(out, 20);
        put16(out, flags);
        put16(out, method);
        put16(out, 0);
        put16(out, 0x21);
        put32(out, crc);
        put32(out, data.len() as u32);
        put32(out, size);
        put16(out, name.len() as u16);
        put16(out, 0);
        out.extend_from_slice(name);
        out.extend_from_slice(data);
        Local {
            offset,
            crc,
            compressed: data.len() as u32,
            size,
            method,
        }
    }

    /// Adds a central-directory entry named `name` for the local header `local`.
    pub fn central(&mut self, name: &[u8], flags: u16, local: Local) {
        let c = &mut self.central;
        put32(c, 0x0201_4b50);
        put16(c, 0x0314);
        put16(c, 20);
        put16(c, flags);
        put16(c, local.method);
        put16(c, 0);
        put16(c, 0x21);
        put32(c, local.crc);
        put32(c, local.compressed);
        put32(c, local.size);
        put16(c, name.len() as u16);
        for _ in 0..4 {
            put16(c, 0);
        }
        put32(c, 0o100644 << 16);
        put32(c, local.offset);
        c.extend_from_slice(name);
        self.entries += 1;
    }

    /// A stored member whose local header and directory entry agree.
    pub fn stored(&mut self, name: &[u8], flags: u16, data: &[u8]) -> Local {
        let local = self.local(
            name,
            flags,
            0,
            data,
            data.len() as u32,
            crc32fast::hash(data),
        );
        self.central(name, flags, local);
        local
    }

    /// A deflated member whose local header and directory entry agree.
    pub fn deflated(&mut self, name: &[u8], data: &[u8]) -> Local {
        use std::io::Write;
        let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::new(9));
        enc.write_all(data).unwrap();
        let raw = enc.finish().unwrap();
        let local = self.local(name, 0, 8, &raw, data.len() as u32, crc32fast::hash(data));
        self.central(name, 0, local);
        local
    }

    /// The archive: everything written, the directory and its end record.
    pub fn finish(mut self) -> Vec<u8> {
        let start = self.out.len() as u32;
        let len = self.central.len() as u32;
        self.out.extend_from_slice(&self.central);
        let out = &mut self.out;
        put32(out, 0x0605_4b50);
        put16(out, 0);
        put16(out, 0);
        put16(out, self.entries);
        put16(out, self.entries);
        put32(out, len);
        put32(out, start);
        put16(out, 0);
        self.out
    }
}

/// A `.npy` file of `values` as `<i8`.
pub fn npy_i64(values: &[i64]) -> Vec<u8> {
    npio::to_bytes(&ndarray::arr1(values)).unwrap()
}
