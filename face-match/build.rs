//! With the `dlib` feature: the `dlib-face-recognition` crate links `-lcblas`, which Debian
//! does not ship as a file of its own (its CBLAS symbols are in `libblas.so`). A folder in
//! `OUT_DIR` holding `libcblas.so -> libblas.so` is added to the link search path, so the
//! link finds the symbols and the binary needs `libblas.so.3` at run time, as on Debian.

use std::path::{Path, PathBuf};

const BLAS_CANDIDATES: [&str; 4] = [
    "/usr/lib/x86_64-linux-gnu/libblas.so",
    "/usr/lib/aarch64-linux-gnu/libblas.so",
    "/usr/lib64/libblas.so",
    "/usr/lib/libblas.so",
];

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=KIOSK_BLAS_LIB");
    if std::env::var_os("CARGO_FEATURE_DLIB").is_none() {
        return;
    }
    let Some(out) = std::env::var_os("OUT_DIR").map(PathBuf::from) else {
        println!("cargo:warning=face-match: OUT_DIR is not set");
        return;
    };
    // A system that has a real libcblas needs nothing.
    let has_cblas = BLAS_CANDIDATES
        .iter()
        .any(|b| Path::new(b).with_file_name("libcblas.so").exists());
    if has_cblas {
        return;
    }
    let blas = std::env::var_os("KIOSK_BLAS_LIB")
        .map(PathBuf::from)
        .or_else(|| {
            BLAS_CANDIDATES
                .iter()
                .map(PathBuf::from)
                .find(|p| p.exists())
        });
    let Some(blas) = blas else {
        println!(
            "cargo:warning=face-match: no libblas.so found (install libblas-dev, or set KIOSK_BLAS_LIB)"
        );
        return;
    };
    let dir = out.join("cblas-link");
    let link = dir.join("libcblas.so");
    let _ = std::fs::create_dir_all(&dir);
    let _ = std::fs::remove_file(&link);
    if let Err(e) = std::os::unix::fs::symlink(&blas, &link) {
        println!(
            "cargo:warning=face-match: cannot link {}: {e}",
            link.display()
        );
        return;
    }
    println!("cargo:rustc-link-search=native={}", dir.display());
}
