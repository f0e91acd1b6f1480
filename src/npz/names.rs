//! Member names: the name index built once per archive, and the safe mapping of a member
//! name (untrusted input) to a relative path.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

use super::listed_name;
use crate::error::{Error, Result};

/// Every member's stored name, in archive order, and a map from name to index: lookups cost
/// one hash, not a scan of the directory.
#[derive(Debug, Clone)]
pub(crate) struct NameIndex {
    stored: Vec<String>,
    by_name: HashMap<String, usize>,
}

impl NameIndex {
    /// Indexes names as the zip reader decodes them (UTF-8 where the entry says so, CP437
    /// otherwise). Two raw names that decode to the same text (`\xc3\xa9.npy` flagged UTF-8
    /// and `\x82.npy` in CP437 are both `é.npy`) make the archive ambiguous: which member a
    /// lookup finds would depend on the reader, so the archive is refused.
    pub(crate) fn new<'a>(names: impl Iterator<Item = Result<String>> + 'a) -> Result<NameIndex> {
        let mut stored = Vec::new();
        let mut by_name = HashMap::new();
        for (index, name) in names.enumerate() {
            let name = name?;
            if by_name.insert(name.clone(), index).is_some() {
                return Err(Error::Archive {
                    reason: format!(
                        "two members are both named {name:?} (after decoding their names): the \
                     archive is ambiguous, and readers disagree on which one it holds"
                    ),
                });
            }
            stored.push(name);
        }
        Ok(NameIndex { stored, by_name })
    }

    /// Stored names, in archive order.
    pub(crate) fn stored(&self) -> &[String] {
        &self.stored
    }

    /// The index and stored name of a member: the exact stored name first, then with `.npy`
    /// added, as `np.load` looks keys up.
    pub(crate) fn find(&self, name: &str) -> Result<(usize, &str)> {
        let index = self
            .by_name
            .get(name)
            .or_else(|| self.by_name.get(&format!("{name}.npy")))
            .copied()
            .ok_or_else(|| Error::NoSuchMember {
                name: name.to_string(),
                available: self.listed(),
            })?;
        Ok((index, &self.stored[index]))
    }

    /// The names NumPy lists (`.npy` stripped).
    pub(crate) fn listed(&self) -> Vec<String> {
        self.stored
            .iter()
            .map(|n| listed_name(n).to_string())
            .collect()
    }
}

/// The relative path a member name stands for, for extracting it into a folder: `a/b.npy`
/// gives `a/b.npy`. Member names are untrusted input (a crafted archive can name a member
/// `../../.bashrc`), so names that could reach outside the folder are refused with
/// [`Error::UnsafeName`]: absolute paths, `..`, `.` or empty components, backslashes, drive
/// prefixes (`C:`) and NUL bytes.
///
/// ```
/// use std::path::Path;
/// assert_eq!(npio::npz::member_path("a/b.npy").unwrap(), Path::new("a/b.npy"));
/// let err = npio::npz::member_path("../evil.npy").unwrap_err();
/// assert!(matches!(err, npio::Error::UnsafeName { .. }));
/// ```
///
/// Joining the result to a folder is safe as long as no folder on the way inside it is a
/// symlink created by someone else; `npio convert` also checks that when it extracts.
pub fn member_path(name: &str) -> Result<PathBuf> {
    let refuse = |reason: &'static str| Error::UnsafeName {
        name: name.to_string(),
        reason,
    };
    if name.is_empty() || name.contains('\0') {
        return Err(refuse("empty or contains NUL"));
    }
    if name.contains('\\') {
        return Err(refuse("contains a backslash"));
    }
    if name.starts_with('/') {
        return Err(refuse("absolute path"));
    }
    let mut path = PathBuf::new();
    for part in name.split('/') {
        match Path::new(part).components().collect::<Vec<_>>().as_slice() {
            [Component::Normal(p)] if !part.contains(':') => path.push(p),
            _ => return Err(refuse("'..', '.', empty or drive component")),
        }
    }
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_names_cannot_escape() {
        assert_eq!(member_path("a/b.npy").unwrap(), Path::new("a/b.npy"));
        for bad in [
            "../x.npy",
            "a/../../x",
            "/etc/passwd",
            "a//b",
            "./a",
            "a/.",
            "",
            "c:\\x",
            "C:x",
            "a\\..\\b",
            "a/b/",
            "a\0b",
        ] {
            assert!(
                matches!(member_path(bad), Err(Error::UnsafeName { .. })),
                "{bad:?} must be refused"
            );
        }
    }

    #[test]
    fn names_are_found_with_or_without_npy_and_duplicates_are_refused() {
        let names = ["a.npy", "b", "b.npy"].map(|s| Ok(s.to_string()));
        let index = NameIndex::new(names.into_iter()).unwrap();
        assert_eq!(index.find("a").unwrap(), (0, "a.npy"));
        assert_eq!(index.find("b").unwrap(), (1, "b")); // exact name first, as np.load
        assert_eq!(index.find("b.npy").unwrap(), (2, "b.npy"));
        assert!(matches!(index.find("c"), Err(Error::NoSuchMember { .. })));
        let twice = ["é.npy", "é.npy"].map(|s| Ok(s.to_string()));
        assert!(matches!(
            NameIndex::new(twice.into_iter()),
            Err(Error::Archive { .. })
        ));
    }
}
