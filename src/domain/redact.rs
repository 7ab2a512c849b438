//! `Debug` for types that carry a secret (a token, a code, a client secret, a private key, a
//! link with a token): only the named harmless fields are printed, so a `{:?}` in a log line
//! or a panic message cannot leak the rest (OWASP ASVS 5.0 V16.2.5).

/// Implements `Debug` for a struct printing only the listed fields and `..` for the rest.
///
/// ```text
/// debug_without_secrets!(IssuedCredentials { client_id, token_endpoint });
/// ```
#[macro_export]
macro_rules! debug_without_secrets {
    ($ty:ident { $($field:ident),* $(,)? }) => {
        impl ::std::fmt::Debug for $ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.debug_struct(stringify!($ty))
                    $(.field(stringify!($field), &self.$field))*
                    .finish_non_exhaustive()
            }
        }
    };
}

#[cfg(test)]
mod tests {
    struct Secretive {
        id: u32,
        token: &'static str,
    }
    debug_without_secrets!(Secretive { id });

    #[test]
    fn only_named_fields_are_printed() {
        let s = Secretive {
            id: 7,
            token: "d3adb33f",
        };
        let printed = format!("{s:?}");
        assert_eq!(printed, "Secretive { id: 7, .. }");
        assert!(!printed.contains(s.token));
    }
}
