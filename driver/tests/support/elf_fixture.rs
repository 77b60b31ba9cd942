//! A minimal AArch64 ELF64 written byte by byte, for tests: one `PT_LOAD` segment holding a
//! `RUN_CONFIG` block, a symbol table, and just enough section headers for an ELF reader.
//!
//! Tests of the image patcher and of whole runs (with a fake simulator) use it instead of the
//! real guest, which needs the bare-metal target and may not build while the kernel is written.
//! Knobs make it wrong in one way at a time (symbol size, magic, addresses, `.bss` placement).

use runconfig::{RunConfig, SIZE, SYMBOL};

/// File offset of the loaded segment (page aligned, as a linker would place it).
const SEGMENT_OFFSET: usize = 0x1000;

/// Description of the ELF to write; [`Default`] is a valid guest-like image.
#[derive(Clone, Debug)]
pub struct ElfFixture {
    /// Entry point; `None` = start of the segment.
    pub entry: Option<u64>,
    pub load_vaddr: u64,
    pub load_paddr: u64,
    pub symbol_name: String,
    pub symbol_size: u64,
    /// Bytes stored at the symbol.
    pub block: Vec<u8>,
    /// Offset of the block inside the segment (bytes of "code" before it).
    pub block_in_segment: usize,
    /// Zero-filled bytes after the file part of the segment.
    pub bss_bytes: u64,
    /// Point the symbol into the `.bss` part instead of at the block.
    pub symbol_in_bss: bool,
}

impl Default for ElfFixture {
    fn default() -> Self {
        ElfFixture {
            entry: None,
            load_vaddr: 0x8000_0000,
            load_paddr: 0x8000_0000,
            symbol_name: SYMBOL.into(),
            symbol_size: SIZE as u64,
            block: RunConfig::DEFAULT.to_bytes().to_vec(),
            block_in_segment: 0x40,
            bss_bytes: 0,
            symbol_in_bss: false,
        }
    }
}

fn u16le(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_le_bytes());
}
fn u32le(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}
fn u64le(out: &mut Vec<u8>, v: u64) {
    out.extend_from_slice(&v.to_le_bytes());
}
fn pad_to(out: &mut Vec<u8>, align: usize) {
    while !out.len().is_multiple_of(align) {
        out.push(0);
    }
}

struct Section {
    name: u32,
    kind: u32,
    flags: u64,
    addr: u64,
    offset: u64,
    size: u64,
    link: u32,
    info: u32,
    align: u64,
    entsize: u64,
}

impl ElfFixture {
    /// File offset at which the block's first byte lies.
    pub fn block_file_offset(&self) -> usize {
        SEGMENT_OFFSET + self.block_in_segment
    }

    pub fn block_vaddr(&self) -> u64 {
        self.load_vaddr + self.block_in_segment as u64
    }

    fn segment_data(&self) -> Vec<u8> {
        // "Code": AArch64 NOPs, then the block, then some other initialised data.
        let mut data = Vec::new();
        while data.len() + 4 <= self.block_in_segment {
            data.extend_from_slice(&0xd503_201f_u32.to_le_bytes());
        }
        data.resize(self.block_in_segment, 0);
        data.extend_from_slice(&self.block);
        data.extend_from_slice(&[0xAA; 32]);
        data
    }

    /// The ELF file.
    pub fn build(&self) -> Vec<u8> {
        let data = self.segment_data();
        let filesz = data.len() as u64;
        let entry = self.entry.unwrap_or(self.load_vaddr);
        let sym_value = if self.symbol_in_bss {
            self.load_vaddr + filesz + 16
        } else {
            self.block_vaddr()
        };

        let mut out = vec![0u8; SEGMENT_OFFSET];
        out.extend_from_slice(&data);
        pad_to(&mut out, 8);

        // String tables.
        let strtab = format!("\0{}\0_start\0", self.symbol_name).into_bytes();
        let start_name = 1 + self.symbol_name.len() as u32 + 1;
        let shstrtab = b"\0.runconfig\0.symtab\0.strtab\0.shstrtab\0".to_vec();

        // Symbol table: null, the block (global object), _start (global function).
        let symtab_off = out.len();
        out.extend_from_slice(&[0u8; 24]);
        for (name, info, value, size) in [
            (1u32, 0x11u8, sym_value, self.symbol_size),
            (start_name, 0x12u8, entry, 4),
        ] {
            u32le(&mut out, name);
            out.push(info);
            out.push(0);
            u16le(&mut out, 1);
            u64le(&mut out, value);
            u64le(&mut out, size);
        }
        let symtab_size = out.len() - symtab_off;
        let strtab_off = out.len();
        out.extend_from_slice(&strtab);
        let shstrtab_off = out.len();
        out.extend_from_slice(&shstrtab);
        pad_to(&mut out, 8);

        let sections = [
            Section {
                name: 0,
                kind: 0,
                flags: 0,
                addr: 0,
                offset: 0,
                size: 0,
                link: 0,
                info: 0,
                align: 0,
                entsize: 0,
            },
            Section {
                name: 1,
                kind: 1,  // PROGBITS
                flags: 3, // WRITE | ALLOC
                addr: self.load_vaddr,
                offset: SEGMENT_OFFSET as u64,
                size: filesz,
                link: 0,
                info: 0,
                align: 8,
                entsize: 0,
            },
            Section {
                name: 12,
                kind: 2, // SYMTAB
                flags: 0,
                addr: 0,
                offset: symtab_off as u64,
                size: symtab_size as u64,
                link: 3,
                info: 1,
                align: 8,
                entsize: 24,
            },
            Section {
                name: 20,
                kind: 3,
                flags: 0,
                addr: 0,
                offset: strtab_off as u64,
                size: strtab.len() as u64,
                link: 0,
                info: 0,
                align: 1,
                entsize: 0,
            },
            Section {
                name: 28,
                kind: 3,
                flags: 0,
                addr: 0,
                offset: shstrtab_off as u64,
                size: shstrtab.len() as u64,
                link: 0,
                info: 0,
                align: 1,
                entsize: 0,
            },
        ];
        let shoff = out.len();
        for s in &sections {
            u32le(&mut out, s.name);
            u32le(&mut out, s.kind);
            u64le(&mut out, s.flags);
            u64le(&mut out, s.addr);
            u64le(&mut out, s.offset);
            u64le(&mut out, s.size);
            u32le(&mut out, s.link);
            u32le(&mut out, s.info);
            u64le(&mut out, s.align);
            u64le(&mut out, s.entsize);
        }

        // ELF header and the one program header, written over the zeroed start.
        let mut head = Vec::with_capacity(0x78);
        head.extend_from_slice(&[0x7f, b'E', b'L', b'F', 2, 1, 1, 0]);
        head.extend_from_slice(&[0; 8]);
        u16le(&mut head, 2); // ET_EXEC
        u16le(&mut head, 183); // EM_AARCH64
        u32le(&mut head, 1);
        u64le(&mut head, entry);
        u64le(&mut head, 64); // e_phoff
        u64le(&mut head, shoff as u64);
        u32le(&mut head, 0);
        u16le(&mut head, 64); // e_ehsize
        u16le(&mut head, 56); // e_phentsize
        u16le(&mut head, 1); // e_phnum
        u16le(&mut head, 64); // e_shentsize
        u16le(&mut head, sections.len() as u16);
        u16le(&mut head, 4); // e_shstrndx
        u32le(&mut head, 1); // PT_LOAD
        u32le(&mut head, 7); // RWX
        u64le(&mut head, SEGMENT_OFFSET as u64);
        u64le(&mut head, self.load_vaddr);
        u64le(&mut head, self.load_paddr);
        u64le(&mut head, filesz);
        u64le(&mut head, filesz + self.bss_bytes);
        u64le(&mut head, 0x1000);
        out[..head.len()].copy_from_slice(&head);
        out
    }
}
