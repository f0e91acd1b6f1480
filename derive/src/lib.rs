//! `#[derive(npio::Record)]`: a Rust struct as a NumPy record (structured dtype).
//!
//! Use it through npio (`npio::Record`, the `derive` feature, on by default); the generated code
//! names `::npio`. See the `npio::record` module for field types, layouts and reading rules.
//!
//! Attributes:
//! - `#[npio(align)]` on the struct: NumPy's aligned layout (`align=True`) when writing.
//! - `#[npio(rename = "name")]` on a field: the NumPy field name (default: the Rust name).
//! - `#[npio(crate = "path")]` on the struct: where npio is, when not at `::npio`.

use proc_macro::TokenStream;
use proc_macro2::{Span, TokenStream as TokenStream2};
use quote::quote;
use syn::ext::IdentExt;
use syn::{parse_macro_input, Data, DeriveInput, Error, Fields, LitStr, Path};

/// Makes a struct with named fields a NumPy record: `npio::record::Field` and
/// `npio::record::Record`, hence `npio::Element`.
#[proc_macro_derive(Record, attributes(npio))]
pub fn derive_record(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    match expand(&input) {
        Ok(tokens) => tokens.into(),
        Err(e) => e.to_compile_error().into(),
    }
}

struct Options {
    align: bool,
    krate: Path,
}

fn struct_options(input: &DeriveInput) -> syn::Result<Options> {
    let mut options = Options {
        align: false,
        krate: syn::parse_quote!(::npio),
    };
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("npio")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("align") {
                options.align = true;
                Ok(())
            } else if meta.path.is_ident("crate") {
                options.krate = meta.value()?.parse::<LitStr>()?.parse()?;
                Ok(())
            } else {
                Err(meta.error("unknown npio attribute: expected `align` or `crate = \"...\"`"))
            }
        })?;
    }
    Ok(options)
}

fn field_name(field: &syn::Field) -> syn::Result<String> {
    let mut name = field
        .ident
        .as_ref()
        .map(|i| i.unraw().to_string())
        .unwrap_or_default();
    for attr in field.attrs.iter().filter(|a| a.path().is_ident("npio")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename") {
                name = meta.value()?.parse::<LitStr>()?.value();
                Ok(())
            } else {
                Err(meta.error("unknown npio field attribute: expected `rename = \"...\"`"))
            }
        })?;
    }
    Ok(name)
}

fn expand(input: &DeriveInput) -> syn::Result<TokenStream2> {
    let ident = &input.ident;
    if !input.generics.params.is_empty() {
        return Err(Error::new_spanned(
            &input.generics,
            "#[derive(npio::Record)] needs a struct without generic parameters (a record's \
             dtype is fixed)",
        ));
    }
    let fields = match &input.data {
        Data::Struct(s) => match &s.fields {
            Fields::Named(named) => &named.named,
            _ => {
                return Err(Error::new_spanned(
                    &s.fields,
                    "#[derive(npio::Record)] needs named fields: NumPy records name each field",
                ))
            }
        },
        _ => {
            return Err(Error::new(
                Span::call_site(),
                "#[derive(npio::Record)] works on structs with named fields only",
            ))
        }
    };
    if fields.is_empty() {
        return Err(Error::new_spanned(
            ident,
            "#[derive(npio::Record)] needs at least one field",
        ));
    }
    let options = struct_options(input)?;
    let krate = &options.krate;
    let align = options.align;
    let mut seen = std::collections::HashSet::new();
    let mut layouts = Vec::new();
    let mut depth = quote!(1usize);
    for field in fields {
        let name = field_name(field)?;
        if !seen.insert(name.clone()) {
            return Err(Error::new_spanned(
                field,
                format!("two fields are named {name:?} in the NumPy record; rename one"),
            ));
        }
        let member = field.ident.as_ref().expect("named field");
        let rust_name = member.unraw().to_string();
        let ty = &field.ty;
        layouts.push(quote! {
            #krate::record::FieldLayout::new::<#ty>(
                #name,
                #rust_name,
                ::core::mem::offset_of!(#ident, #member),
            )
        });
        depth = quote!(#krate::record::max_depth(#depth, <#ty as #krate::record::Field>::DEPTH));
    }
    let name = ident.to_string();
    let too_deep =
        format!("{name} nests records too deeply for a NumPy descr (see npio::record::MAX_DEPTH)");
    let zero_sized = format!("{name} holds no data: a NumPy record needs at least one byte");
    Ok(quote! {
        const _: () = {
            // SAFETY: the layout lists every field of the struct (each a Field, whose own
            // layout is trusted) at the offset the compiler gives it, and the struct's size;
            // everything else in the struct is padding. A Copy struct has no drop glue.
            #[automatically_derived]
            unsafe impl #krate::record::Field for #ident {
                const DEPTH: usize = 2 + #depth;

                fn layout() -> #krate::record::Layout {
                    #krate::record::Layout::Record(#krate::record::RecordLayout::new::<Self>(
                        #align,
                        ::std::vec![#(#layouts),*],
                    ))
                }
            }

            // SAFETY: the layout above is a record layout.
            #[automatically_derived]
            unsafe impl #krate::record::Record for #ident {
                const NAME: &'static str = #name;
            }

            const _: () = ::core::assert!(
                <#ident as #krate::record::Field>::DEPTH <= #krate::record::MAX_DEPTH,
                #too_deep
            );
            const _: () = ::core::assert!(::core::mem::size_of::<#ident>() > 0, #zero_sized);
        };
    })
}
