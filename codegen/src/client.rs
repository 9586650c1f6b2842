//! The progenitor settings, plus a generated table of operations (method, path,
//! operationId, whether the result carries secrets, which of its records are
//! corrected) and the spec's numeric bounds, so that hand-written code never
//! repeats a path, a limit or a required field by hand.

use openapiv3::{OpenAPI, ReferenceOr, SchemaKind, StatusCode, Type};
use proc_macro2::TokenStream;
use progenitor::{GenerationSettings, Generator, InterfaceStyle, TagStyle, TypeImpl, TypePatch};
use quote::{format_ident, quote};

use crate::{
    correct::{self, Record, Step, Zero},
    lint::{carries_secret, ref_name, response_schema, retry_class, SECRET_SCHEMA},
    CodegenError, Options,
};

/// The schemas of the ids a request ends, and their `Target` variants.
const TARGETS: &[(&str, &str)] = &[("SessionId", "Session"), ("UserId", "User")];

fn settings(options: Options) -> GenerationSettings {
    let mut settings = GenerationSettings::default();
    if options.json_schema {
        settings.with_derive("::schemars::JsonSchema");
    }
    settings
        .with_interface(InterfaceStyle::Builder)
        .with_tag(TagStyle::Merged)
        .with_derive("PartialEq")
        // Deterministic key order for profiles: stable output and snapshots.
        .with_map_type("::std::collections::BTreeMap")
        // The filter's profile keys are a flattened map, which typify does not
        // count as defaultable: the empty filter is still the default.
        .with_patch(
            "SessionListFilter",
            TypePatch::default().with_derive("Default"),
        )
        // The identity pattern is checked without a regex engine at run time.
        .with_replacement(
            "UserId",
            "crate::UserId",
            [TypeImpl::FromStr, TypeImpl::Display].into_iter(),
        )
        // Token values become a type whose Debug never prints them.
        .with_replacement(
            SECRET_SCHEMA,
            "crate::SecretToken",
            [TypeImpl::FromStr].into_iter(),
        );
    settings
}

/// Generates the raw client: progenitor's output followed by the
/// `operations` table. Pretty-printed (with the `pretty` feature, for the
/// reviewed snapshot), or as plain tokens (what the build compiles: the same
/// code, without a pretty-printer to build first).
pub fn generate_client(spec: &OpenAPI, options: Options) -> Result<String, CodegenError> {
    let client = Generator::new(&settings(options))
        .generate_tokens(spec)
        .map_err(|e| CodegenError(format!("progenitor failed: {e}")))?;
    let table = operations_table(spec)?;
    let limits = limits(spec)?;
    let tokens = quote! { #client #table #limits };
    if !options.pretty {
        return Ok(tokens.to_string());
    }
    pretty(tokens)
}

#[cfg(feature = "pretty")]
fn pretty(tokens: TokenStream) -> Result<String, CodegenError> {
    let file: syn::File = syn::parse2(tokens)
        .map_err(|e| CodegenError(format!("the generated code is invalid Rust: {e}")))?;
    Ok(prettyplease::unparse(&file))
}

#[cfg(not(feature = "pretty"))]
fn pretty(_: TokenStream) -> Result<String, CodegenError> {
    Err(CodegenError(
        "pretty-printing needs the `pretty` feature of authn-session-codegen".into(),
    ))
}

fn operations_table(spec: &OpenAPI) -> Result<TokenStream, CodegenError> {
    let corrected = correct::records(spec).map_err(|problems| {
        CodegenError(format!("client error correction: {}", problems.join("; ")))
    })?;
    let mut consts = Vec::new();
    let mut all = Vec::new();
    let mut requests = Vec::new();
    for (path, item) in &spec.paths.paths {
        let Some(item) = item.as_item() else { continue };
        for (method, op) in item.iter() {
            let id = op.operation_id.as_deref().unwrap_or_default();
            let name = format_ident!("{}", id.to_uppercase());
            let doc = format!(
                " `{} {path}`: {}.",
                method.to_uppercase(),
                op.summary.as_deref().unwrap_or_default()
            );
            let method = method.to_uppercase();
            let secret_result = op
                .responses
                .responses
                .iter()
                .filter(|(code, _)| matches!(code, StatusCode::Code(c) if (200..300).contains(c)))
                .filter_map(|(_, response)| response_schema(spec, response))
                .any(|schema| carries_secret(spec, &schema));
            let retry = format_ident!(
                "{}",
                retry_class(op).ok_or_else(|| {
                    CodegenError(format!("{id}: no retry class (the lint says which)"))
                })?
            );
            requests.push(request_impl(spec, op, &name)?);
            let corrections = corrected
                .get(id)
                .map(Vec::as_slice)
                .unwrap_or_default()
                .iter()
                .map(correctable);
            consts.push(quote! {
                #[doc = #doc]
                pub const #name: Operation = Operation {
                    id: #id,
                    method: #method,
                    path: #path,
                    secret_result: #secret_result,
                    retry: Retry::#retry,
                    corrections: &[#(#corrections),*],
                };
            });
            all.push(name);
        }
    }
    let zeros = Zero::ALL.iter().map(|zero| {
        let (name, doc) = zero.describe();
        let (name, doc) = (format_ident!("{name}"), format!(" {doc}"));
        quote! { #[doc = #doc] #name }
    });
    Ok(quote! {
        /// Every operation of the spec: method, path and operationId, generated so that
        /// hand-written code never spells a path itself.
        pub mod operations {
            /// One operation of the spec.
            #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
            pub struct Operation {
                /// The spec's `operationId`.
                pub id: &'static str,
                /// The HTTP method, upper case.
                pub method: &'static str,
                /// The path below the base URL.
                pub path: &'static str,
                /// Whether a successful result carries a secret token (reaches the
                /// `SecretToken` schema): such a body is never quoted in an error.
                pub secret_result: bool,
                /// How the operation may be repeated (the spec's `x-pangea-retry`).
                pub retry: Retry,
                /// The records of the result that are read leniently (client error
                /// correction): the schemas the spec marks
                /// `x-pangea-client-error-correction`, wherever the result holds them.
                pub corrections: &'static [Correctable],
            }

            /// How an operation may be repeated after a failed attempt.
            #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
            pub enum Retry {
                /// Doing it twice leaves what doing it once leaves: it may be
                /// repeated after any transient failure.
                Idempotent,
                /// It changes what it is given (a refresh spends its token): it
                /// is repeated only when the attempt certainly was not processed.
                Once,
            }

            /// A generated request type and the operation it is the body of:
            /// its result type and the tokens it carries, so that a call needs
            /// only its request.
            pub trait Request: ::serde::Serialize {
                /// The operation this request is the body of.
                const OP: Operation;
                /// The type of the operation's `result`.
                type Result: ::serde::de::DeserializeOwned;
                /// The secret tokens this request carries.
                fn secrets(&self) -> ::std::vec::Vec<crate::SecretToken>;
                /// The session or user this request ends, for a request whose
                /// body names one (a required `SessionId` or `UserId` field).
                fn target(&self) -> ::std::option::Option<Target> {
                    ::std::option::Option::None
                }
            }

            /// The session or user a request ends: what an audit record of it names.
            ///
            /// ```
            /// use authn_session_gen::{operations::{Request, Target}, types::SessionInvalidateRequest};
            ///
            /// let request = SessionInvalidateRequest {
            ///     session_id: "pmt_xdqi2ysmhqwfnpmnzcqqcecxmvrgzb6d".parse().unwrap(),
            ///     user_initiated: None,
            ///     config_id: None,
            /// };
            /// assert_eq!(request.target(), Some(Target::Session(request.session_id.clone())));
            /// ```
            #[derive(Debug, Clone, PartialEq, Eq, Hash)]
            pub enum Target {
                /// A session, by id (`SessionId`).
                Session(super::types::SessionId),
                /// Every session of a user, by id (`UserId`).
                User(crate::UserId),
            }

            #(#requests)*

            /// A record of a result read leniently: a required field of it that a
            /// response lacks, or sends as `null`, is read as its zero value
            /// instead of failing the whole result (Smithy's client error
            /// correction). The fields it cannot do without (its id, its secret)
            /// are not listed and stay required.
            #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
            pub struct Correctable {
                /// The record's schema in the spec.
                pub schema: &'static str,
                /// Where the record is, from the operation's `result` down.
                pub at: &'static [Step],
                /// The required fields that may be corrected, with their zero values.
                pub fields: &'static [(&'static str, Zero)],
            }

            /// A step of the path from a `result` to a record.
            #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
            pub enum Step {
                /// The named field of an object.
                Field(&'static str),
                /// Every element of an array.
                Each,
            }

            /// The zero value of a corrected field, by its type in the spec.
            #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
            pub enum Zero {
                #(#zeros),*
            }

            #(#consts)*

            /// All operations, in spec order.
            pub const ALL: &[Operation] = &[#(#all),*];
        }
    })
}

/// One `Correctable` of the table.
fn correctable(record: &Record) -> TokenStream {
    let schema = &record.schema;
    let at = record.at.iter().map(|step| match step {
        Step::Field(name) => quote! { Step::Field(#name) },
        Step::Each => quote! { Step::Each },
    });
    let fields = record.fields.iter().map(|(name, zero)| {
        let zero = format_ident!("{}", zero.describe().0);
        quote! { (#name, Zero::#zero) }
    });
    quote! {
        Correctable { schema: #schema, at: &[#(#at),*], fields: &[#(#fields),*] }
    }
}

/// The `limits` module: the bounds of `size` in the list requests, read from
/// the spec so that the facade and the emulator check the same numbers.
fn limits(spec: &OpenAPI) -> Result<TokenStream, CodegenError> {
    let size = spec
        .components
        .as_ref()
        .and_then(|c| c.schemas.get("SessionListRequest"))
        .and_then(ReferenceOr::as_item)
        .and_then(|s| match &s.schema_kind {
            SchemaKind::Type(Type::Object(o)) => o.properties.get("size"),
            _ => None,
        })
        .and_then(ReferenceOr::as_item)
        .and_then(|s| match &s.schema_kind {
            SchemaKind::Type(Type::Integer(i)) => Some((i.minimum, i.maximum)),
            _ => None,
        });
    let Some((Some(min), Some(max))) = size else {
        return Err(CodegenError(
            "SessionListRequest.size must be an integer with a minimum and a maximum".into(),
        ));
    };
    let bound = |n: i64, what: &str| {
        u64::try_from(n)
            .map(proc_macro2::Literal::u64_unsuffixed)
            .map_err(|_| CodegenError(format!("SessionListRequest.size.{what} is negative")))
    };
    let (min, max) = (bound(min, "minimum")?, bound(max, "maximum")?);
    Ok(quote! {
        /// Bounds the spec sets on request fields.
        pub mod limits {
            /// Smallest `size` of a list page (`SessionListRequest.size.minimum`).
            pub const LIST_SIZE_MIN: u64 = #min;
            /// Largest `size` of a list page (`SessionListRequest.size.maximum`).
            pub const LIST_SIZE_MAX: u64 = #max;
        }
    })
}

/// `impl Request` for the body type of `op`: its operation, its result type
/// (the success envelope's `result`), and the tokens its fields carry.
fn request_impl(
    spec: &OpenAPI,
    op: &openapiv3::Operation,
    name: &proc_macro2::Ident,
) -> Result<TokenStream, CodegenError> {
    let id = op.operation_id.as_deref().unwrap_or_default();
    let body = op
        .request_body
        .as_ref()
        .and_then(ReferenceOr::as_item)
        .and_then(|b| b.content.get("application/json")?.schema.as_ref())
        .and_then(|schema| match schema {
            ReferenceOr::Reference { reference } => ref_name(reference),
            ReferenceOr::Item(_) => None,
        })
        .ok_or_else(|| CodegenError(format!("{id}: the request body must $ref a schema")))?;
    let schema = |name: &str| {
        spec.components
            .as_ref()
            .and_then(|c| c.schemas.get(name))
            .and_then(ReferenceOr::as_item)
            .and_then(|s| match &s.schema_kind {
                SchemaKind::Type(Type::Object(o)) => Some(o),
                _ => None,
            })
    };
    let envelope = op
        .responses
        .responses
        .iter()
        .filter(|(code, _)| matches!(code, StatusCode::Code(c) if (200..300).contains(c)))
        .find_map(|(_, response)| response_schema(spec, response));
    let result = envelope
        .as_deref()
        .and_then(schema)
        .and_then(|o| o.properties.get("result"))
        .and_then(|r| match r {
            ReferenceOr::Reference { reference } => ref_name(reference),
            ReferenceOr::Item(_) => None,
        })
        .ok_or_else(|| {
            CodegenError(format!(
                "{id}: the success envelope's result must $ref a schema"
            ))
        })?;
    let object = schema(body)
        .ok_or_else(|| CodegenError(format!("{id}: {body} must be an object schema")))?;
    // Required token fields are the token; optional ones an `Option` of it.
    let secrets: Vec<_> = object
        .properties
        .iter()
        .filter_map(|(field, property)| {
            let secret = matches!(property, ReferenceOr::Reference { reference }
            if ref_name(reference) == Some(SECRET_SCHEMA));
            let member = format_ident!("{field}");
            secret.then(|| {
                if object.required.contains(field) {
                    quote! { ::std::option::Option::Some(self.#member.clone()) }
                } else {
                    quote! { self.#member.clone() }
                }
            })
        })
        .collect();
    let count = proc_macro2::Literal::usize_unsuffixed(secrets.len());
    let targets: Vec<_> = object
        .properties
        .iter()
        .filter(|(field, _)| object.required.contains(field))
        .filter_map(|(field, property)| {
            let ReferenceOr::Reference { reference } = property else {
                return None;
            };
            let (_, variant) = TARGETS
                .iter()
                .find(|(schema, _)| ref_name(reference) == Some(schema))?;
            let (member, variant) = (format_ident!("{field}"), format_ident!("{variant}"));
            Some(quote! {
                fn target(&self) -> ::std::option::Option<Target> {
                    ::std::option::Option::Some(Target::#variant(self.#member.clone()))
                }
            })
        })
        .collect();
    if targets.len() > 1 {
        return Err(CodegenError(format!(
            "{id}: {body} names more than one session or user to end"
        )));
    }
    let (body, result) = (format_ident!("{body}"), format_ident!("{result}"));
    Ok(quote! {
        impl Request for super::types::#body {
            const OP: Operation = #name;
            type Result = super::types::#result;
            fn secrets(&self) -> ::std::vec::Vec<crate::SecretToken> {
                let tokens: [::std::option::Option<crate::SecretToken>; #count] = [#(#secrets),*];
                tokens.into_iter().flatten().collect()
            }
            #(#targets)*
        }
    })
}
