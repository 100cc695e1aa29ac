//! Link options for the `connectql` binary.
//!
//! Packed relative relocations (DT_RELR, `-z pack-relative-relocs`): the executable stays
//! position-independent (its address randomised at every start), and its 7.7 MB table of
//! relative relocations becomes about 75 KB of bitmaps. Only glibc 2.36 and later apply the
//! format (the linker marks the binary so an older one refuses to start it), so the option is
//! given only for a native build on such a glibc: a `cargo install` runs where it was built.

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
    let minor = parts.next()?.parse().ok()?;
    Some((major, minor))
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn host_glibc() -> Option<(u32, u32)> {
    None
}
