//! Finding and rewriting the `RUN_CONFIG` block in a guest image (ARCHITECTURE.md, contract 1).
//!
//! One guest build serves every run: the driver copies the ELF and overwrites the bytes of the
//! static `RUN_CONFIG` in the copy. The symbol gives a virtual address; the `PT_LOAD` program
//! header that holds it gives the file offset (what the loader copies is what we patch, so
//! section headers are not trusted for this). The magic and version are checked before any byte
//! is written, so a wrong symbol or an image built against another layout is refused.
//!
//! The same module checks that an image can run on both platforms: its entry point and every
//! `PT_LOAD` segment must lie in [`DRAM`], the part of physical memory that gem5's
//! `VExpress_GEM5_V2` (DRAM from 0x8000_0000) and QEMU `virt -m 2G` (RAM 0x4000_0000..0xC000_0000)
//! share.

use std::fmt;
use std::ops::Range;

use goblin::elf::Elf;
use goblin::elf::program_header::PT_LOAD;
use runconfig::{MAGIC, RunConfig, SIZE, SYMBOL, VERSION};

/// Physical addresses every platform has as RAM; the guest links at its start.
pub const DRAM: Range<u64> = 0x8000_0000..0xC000_0000;

/// Why an image cannot be patched or run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ImageError {
    Parse(String),
    NoSymbol,
    AmbiguousSymbol(Vec<String>),
    WrongSize {
        found: u64,
    },
    /// No `PT_LOAD` segment covers the symbol's bytes.
    NotLoaded {
        vaddr: u64,
    },
    /// The symbol lies in the zero-filled (`.bss`) part of a segment: nothing in the file to patch.
    NotInFile {
        vaddr: u64,
    },
    BadBlock {
        magic: u64,
        version: u64,
    },
    EntryOutsideDram {
        entry: u64,
    },
    SegmentOutsideDram {
        paddr: u64,
        end: u64,
    },
}

impl fmt::Display for ImageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ImageError::Parse(e) => write!(f, "not a valid ELF file: {e}"),
            ImageError::NoSymbol => write!(
                f,
                "symbol {SYMBOL} not found (is the image built from guest-apps with symbols, \
                 `#[unsafe(no_mangle)] static {SYMBOL}`?)"
            ),
            ImageError::AmbiguousSymbol(names) => {
                write!(f, "several symbols could be {SYMBOL}: {}", names.join(", "))
            }
            ImageError::WrongSize { found } => write!(
                f,
                "symbol {SYMBOL} is {found} bytes, expected {SIZE} (runconfig::RunConfig): the \
                 image was built against another runconfig version"
            ),
            ImageError::NotLoaded { vaddr } => {
                write!(f, "{SYMBOL} at {vaddr:#x} lies in no PT_LOAD segment")
            }
            ImageError::NotInFile { vaddr } => write!(
                f,
                "{SYMBOL} at {vaddr:#x} is in the zero-filled part of its segment (.bss); it \
                 must be initialised data in section .runconfig"
            ),
            ImageError::BadBlock { magic, version } => write!(
                f,
                "{SYMBOL} holds magic {magic:#018x} version {version}, expected {MAGIC:#018x} \
                 (\"CORORUN1\") version {VERSION}: wrong symbol, or an image built against \
                 another runconfig"
            ),
            ImageError::EntryOutsideDram { entry } => write!(
                f,
                "entry point {entry:#x} is outside DRAM {:#x}..{:#x}",
                DRAM.start, DRAM.end
            ),
            ImageError::SegmentOutsideDram { paddr, end } => write!(
                f,
                "PT_LOAD segment {paddr:#x}..{end:#x} is outside DRAM {:#x}..{:#x} (link at \
                 0x8000_0000)",
                DRAM.start, DRAM.end
            ),
        }
    }
}

impl std::error::Error for ImageError {}

/// Where the block sits in the image.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    pub symbol: String,
    pub vaddr: u64,
    /// Offset of the first byte in the ELF file.
    pub offset: usize,
}

/// What [`check_image`] found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageInfo {
    pub entry: u64,
    pub location: Location,
    pub config: RunConfig,
}

fn parse(bytes: &[u8]) -> Result<Elf<'_>, ImageError> {
    Elf::parse(bytes).map_err(|e| ImageError::Parse(e.to_string()))
}

/// True for `RUN_CONFIG` and for a mangled path whose last segment is `RUN_CONFIG`.
fn names_block(name: &str) -> bool {
    name == SYMBOL
        || (name.starts_with("_ZN") && name.contains(&format!("{}{SYMBOL}", SYMBOL.len())))
}

/// Finds the block: symbol → virtual address → file offset, with size checks.
pub fn locate(bytes: &[u8]) -> Result<Location, ImageError> {
    let elf = parse(bytes)?;
    let mut found: Vec<(String, u64, u64)> = elf
        .syms
        .iter()
        .filter_map(|s| {
            let name = elf.strtab.get_at(s.st_name)?;
            names_block(name).then(|| (name.to_string(), s.st_value, s.st_size))
        })
        .collect();
    // An exact name wins over mangled look-alikes.
    if let Some(exact) = found.iter().position(|(n, ..)| n == SYMBOL) {
        found = vec![found.swap_remove(exact)];
    }
    let (symbol, vaddr, size) = match found.len() {
        0 => return Err(ImageError::NoSymbol),
        1 => found.pop().expect("one element"),
        _ => {
            return Err(ImageError::AmbiguousSymbol(
                found.into_iter().map(|f| f.0).collect(),
            ));
        }
    };
    if size != SIZE as u64 {
        return Err(ImageError::WrongSize { found: size });
    }
    // The header fields are whatever the file says: every sum is checked, as a block or a
    // segment that wraps around the address space is no place to patch.
    let end = vaddr
        .checked_add(size)
        .ok_or(ImageError::NotLoaded { vaddr })?;
    let reaches = |start: u64, len: u64| start.checked_add(len).is_some_and(|e| end <= e);
    let seg = elf
        .program_headers
        .iter()
        .filter(|ph| ph.p_type == PT_LOAD)
        .find(|ph| ph.p_vaddr <= vaddr && reaches(ph.p_vaddr, ph.p_memsz))
        .ok_or(ImageError::NotLoaded { vaddr })?;
    if !reaches(seg.p_vaddr, seg.p_filesz) {
        return Err(ImageError::NotInFile { vaddr });
    }
    let offset = seg
        .p_offset
        .checked_add(vaddr - seg.p_vaddr)
        .and_then(|o| usize::try_from(o).ok())
        .ok_or_else(|| ImageError::Parse("offset does not fit in memory".into()))?;
    if offset.checked_add(SIZE).is_none_or(|e| e > bytes.len()) {
        return Err(ImageError::Parse(format!(
            "{SYMBOL} at file offset {offset:#x} is past the end"
        )));
    }
    Ok(Location {
        symbol,
        vaddr,
        offset,
    })
}

/// Reads the block and checks magic and version.
pub fn read_block(bytes: &[u8], loc: &Location) -> Result<RunConfig, ImageError> {
    let block = &bytes[loc.offset..loc.offset + SIZE];
    let word = |i: usize| {
        let mut w = [0u8; 8];
        w.copy_from_slice(&block[i * 8..i * 8 + 8]);
        u64::from_le_bytes(w)
    };
    RunConfig::from_bytes(block).ok_or(ImageError::BadBlock {
        magic: word(0),
        version: word(1),
    })
}

/// Overwrites the block in `bytes` (a whole ELF file) with `cfg`, after checking that the bytes
/// there are a block of this layout.
pub fn patch(bytes: &mut [u8], cfg: &RunConfig) -> Result<Location, ImageError> {
    let loc = locate(bytes)?;
    read_block(bytes, &loc)?;
    bytes[loc.offset..loc.offset + SIZE].copy_from_slice(&cfg.to_bytes());
    Ok(loc)
}

/// Checks that the image runs on both platforms: entry and loaded segments in [`DRAM`], and a
/// valid block at `RUN_CONFIG`.
pub fn check_image(bytes: &[u8]) -> Result<ImageInfo, ImageError> {
    let elf = parse(bytes)?;
    if !DRAM.contains(&elf.entry) {
        return Err(ImageError::EntryOutsideDram { entry: elf.entry });
    }
    for ph in elf
        .program_headers
        .iter()
        .filter(|ph| ph.p_type == PT_LOAD && ph.p_memsz > 0)
    {
        // A segment that wraps around the address space ends past DRAM too.
        let end = ph.p_paddr.saturating_add(ph.p_memsz);
        if ph.p_paddr < DRAM.start || end > DRAM.end {
            return Err(ImageError::SegmentOutsideDram {
                paddr: ph.p_paddr,
                end,
            });
        }
    }
    let location = locate(bytes)?;
    let config = read_block(bytes, &location)?;
    Ok(ImageInfo {
        entry: elf.entry,
        location,
        config,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::elf_fixture::ElfFixture;
    use runconfig::{App, Choice};

    #[test]
    fn patch_lands_at_the_symbol_file_offset() {
        let fx = ElfFixture::default();
        let mut bytes = fx.build();
        let before = bytes.clone();
        let mut cfg = RunConfig::DEFAULT;
        cfg.app = App::ContextSwitch.index();
        cfg.iterations = 12345;
        cfg.params[0] = 0xfeed;

        let loc = patch(&mut bytes, &cfg).unwrap();
        assert_eq!(loc.offset, fx.block_file_offset());
        assert_eq!(loc.vaddr, fx.block_vaddr());
        assert_eq!(&bytes[loc.offset..loc.offset + SIZE], &cfg.to_bytes());
        // Nothing else changed.
        assert_eq!(bytes[..loc.offset], before[..loc.offset]);
        assert_eq!(bytes[loc.offset + SIZE..], before[loc.offset + SIZE..]);
        assert_eq!(read_block(&bytes, &loc).unwrap(), cfg);
        assert_eq!(check_image(&bytes).unwrap().config, cfg);
    }

    #[test]
    fn offset_follows_the_program_header_not_the_vaddr() {
        // Segment loaded at a vaddr unrelated to its file offset.
        let fx = ElfFixture {
            load_vaddr: 0x8123_0000,
            load_paddr: 0x8123_0000,
            ..Default::default()
        };
        let mut bytes = fx.build();
        let loc = patch(&mut bytes, &RunConfig::DEFAULT).unwrap();
        assert_eq!(loc.offset, fx.block_file_offset());
        assert_eq!(loc.vaddr, 0x8123_0000 + fx.block_in_segment as u64);
    }

    #[test]
    fn wrong_symbol_size_is_refused() {
        let fx = ElfFixture {
            symbol_size: SIZE as u64 - 8,
            ..Default::default()
        };
        let mut bytes = fx.build();
        let before = bytes.clone();
        let err = patch(&mut bytes, &RunConfig::DEFAULT).unwrap_err();
        assert_eq!(
            err,
            ImageError::WrongSize {
                found: SIZE as u64 - 8
            }
        );
        assert!(
            err.to_string().contains(&format!("expected {SIZE}")),
            "{err}"
        );
        assert_eq!(bytes, before, "nothing may be written on failure");
    }

    #[test]
    fn wrong_magic_is_refused() {
        let mut block = RunConfig::DEFAULT.to_bytes();
        block[0] = b'X';
        let fx = ElfFixture {
            block: block.to_vec(),
            ..Default::default()
        };
        let mut bytes = fx.build();
        let err = patch(&mut bytes, &RunConfig::DEFAULT).unwrap_err();
        assert!(
            matches!(
                err,
                ImageError::BadBlock {
                    version: runconfig::VERSION,
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(err.to_string().contains("CORORUN1"));
    }

    #[test]
    fn wrong_version_is_refused() {
        let cfg = RunConfig {
            version: 99,
            ..RunConfig::DEFAULT
        };
        let fx = ElfFixture {
            block: cfg.to_bytes().to_vec(),
            ..Default::default()
        };
        let err = patch(&mut fx.build(), &RunConfig::DEFAULT).unwrap_err();
        assert_eq!(
            err,
            ImageError::BadBlock {
                magic: MAGIC,
                version: 99
            }
        );
    }

    #[test]
    fn missing_symbol_and_bss_symbol_are_refused() {
        let fx = ElfFixture {
            symbol_name: "OTHER".into(),
            ..Default::default()
        };
        assert_eq!(locate(&fx.build()).unwrap_err(), ImageError::NoSymbol);

        let fx = ElfFixture {
            bss_bytes: 4096,
            symbol_in_bss: true,
            ..Default::default()
        };
        assert!(matches!(
            locate(&fx.build()).unwrap_err(),
            ImageError::NotInFile { .. }
        ));
    }

    #[test]
    fn mangled_symbol_is_found() {
        let fx = ElfFixture {
            symbol_name: "_ZN10guest_apps10RUN_CONFIG17h0123456789abcdefE".into(),
            ..Default::default()
        };
        let loc = locate(&fx.build()).unwrap();
        assert_eq!(loc.offset, fx.block_file_offset());
    }

    #[test]
    fn layout_outside_dram_is_refused() {
        let fx = ElfFixture {
            entry: Some(0x4008_0000),
            ..Default::default()
        };
        assert_eq!(
            check_image(&fx.build()).unwrap_err(),
            ImageError::EntryOutsideDram { entry: 0x4008_0000 }
        );
        let fx = ElfFixture {
            load_paddr: 0x4000_0000,
            ..Default::default()
        };
        assert!(matches!(
            check_image(&fx.build()).unwrap_err(),
            ImageError::SegmentOutsideDram {
                paddr: 0x4000_0000,
                ..
            }
        ));
    }

    #[test]
    fn headers_that_wrap_around_are_errors_not_overflows() {
        // The block ends past u64::MAX: in no segment.
        let fx = ElfFixture {
            load_vaddr: u64::MAX - 0x80,
            ..Default::default()
        };
        assert_eq!(
            locate(&fx.build()).unwrap_err(),
            ImageError::NotLoaded {
                vaddr: fx.block_vaddr()
            }
        );
        // A segment whose physical end wraps around is outside DRAM (found by fuzzing).
        let fx = ElfFixture {
            load_paddr: u64::MAX - 0x10,
            ..Default::default()
        };
        assert!(matches!(
            check_image(&fx.build()).unwrap_err(),
            ImageError::SegmentOutsideDram { end: u64::MAX, .. }
        ));
    }

    #[test]
    fn garbage_is_not_an_elf() {
        assert!(matches!(
            locate(b"not an elf at all").unwrap_err(),
            ImageError::Parse(_)
        ));
    }
}
