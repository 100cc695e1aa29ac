//! Link options for the `connectql` binary.
//!
//! Packed relative relocations (DT_RELR, `-z pack-relative-relocs`): the executable stays
//! position-independent (its address is randomised at every start), and its table of relative
//! relocations, one 24-byte entry per pointer in the vtables and constants of DataFusion, Arrow
//! and the rest (7.7 MB of the binary), becomes a few kilobytes of bitmaps. The dynamic loader
//! must support the format: glibc does from 2.36, and the linker marks such a binary as needing
//! it, so it would refuse to start on an older one. The option is therefore given only when the
//! binary is built for the machine that builds it and that machine's glibc is 2.36 or later
//! (a `cargo install` runs where it was built); GNU ld understands it from binutils 2.38 (and
//! ignores it, with a warning, before), lld from 15, mold too.

use std::env;

/// The first glibc whose dynamic loader applies DT_RELR.
const GLIBC_WITH_RELR: (u32, u32) = (2, 36);

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let native = env::var("TARGET").ok() == env::var("HOST").ok();
    if native && host_glibc().is_some_and(|version| version >= GLIBC_WITH_RELR) {
        println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
}

/// The version of the glibc this build script runs against, when it runs against glibc.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn host_glibc() -> Option<(u32, u32)> {
    unsafe extern "C" {
        fn gnu_get_libc_version() -> *const std::ffi::c_char;
    }
    // SAFETY: glibc returns a pointer to a static, NUL-terminated string such as "2.36".
    let version = unsafe { std::ffi::CStr::from_ptr(gnu_get_libc_version()) };
    let mut parts = version.to_str().ok()?.split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.trim_end_matches(|c: char| !c.is_ascii_digit()).parse().ok()?;
    Some((major, minor))
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn host_glibc() -> Option<(u32, u32)> {
    None
}
