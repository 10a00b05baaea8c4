#!/usr/bin/env python3
"""Generates the C++ message codec from protocol/schema/*.schema (python3 stdlib only).

Schema format (one file per API; indentation of 2 spaces nests struct fields):

    api <key> <Name>
    versions <min>-<max>          # the valid range; the broker decides what it advertises
    flexible <N>|none             # first flexible (KIP-482) version
    struct <Name>                 # optional shared struct, referenced as []<Name> without children
      <Field>: <type> ...
    request
      <Field>: <type> v<range> [nullable v<range>] [default <value>] [tagged <tag>]
    response
      ...

Types: int8 int16 int32 int64 bool string bytes records, []int32 []int64 []string, []<Struct>
(followed by the struct's fields, indented). Ranges: v3+, v0-4, v0.

Usage: generate.py --out <dir> <schema files...>
Writes <dir>/protocol/api_keys.{h,cc}, <dir>/protocol/messages/<api>.{h,cc}, messages/any.{h,cc}
(decode dispatch by key) and messages/test_samples.{h,cc} (round-trip support for tests).
"""
import argparse
import os
import re
import sys

MAX_VERSION = 32767
PRIMS = {
    "int8": "int8_t", "int16": "int16_t", "int32": "int32_t", "int64": "int64_t", "bool": "bool",
    "string": "std::string", "bytes": "std::vector<uint8_t>", "records": "Records",
}
CPP_KEYWORDS = {
    "default", "delete", "new", "class", "register", "template", "operator", "namespace", "union",
    "int", "long", "short", "char", "bool", "float", "double", "auto", "case", "switch", "this",
    "private", "public", "protected", "friend", "virtual", "export", "inline", "static", "volatile",
    "typename", "using", "return", "struct", "signed", "unsigned", "const", "goto", "do", "for",
    "if", "else", "while", "break", "continue", "try", "catch", "throw", "enum", "void", "sizeof",
    "true", "false", "version",
}


class SchemaError(Exception):
    pass


def snake(name):
    s = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name)
    s = re.sub(r"(?<=[A-Z])([A-Z][a-z])", r"_\1", s)
    s = s.lower()
    return s + "_" if s in CPP_KEYWORDS else s


def parse_range(text, where):
    m = re.fullmatch(r"v(\d+)(\+|-(\d+))?", text)
    if not m:
        raise SchemaError(f"{where}: bad version range '{text}'")
    lo = int(m.group(1))
    if m.group(2) == "+":
        return (lo, MAX_VERSION)
    if m.group(3) is not None:
        return (lo, int(m.group(3)))
    return (lo, lo)


class Struct:
    def __init__(self, name, common=False):
        self.name = name
        self.fields = []
        self.common = common


class Field:
    def __init__(self, name, type_text, versions, where):
        self.name = name
        self.cname = snake(name)
        self.versions = versions
        self.nullable = None  # version range or None
        self.default = None
        self.tag = None
        self.is_array = type_text.startswith("[]")
        self.elem = type_text[2:] if self.is_array else type_text
        self.struct = None  # Struct for arrays of structs
        if not self.is_array and self.elem not in PRIMS:
            raise SchemaError(f"{where}: unknown type '{type_text}'")
        if self.elem == "records" and self.is_array:
            raise SchemaError(f"{where}: arrays of records are not supported")

    @property
    def prim_elem(self):
        return self.elem in PRIMS


class Message:
    def __init__(self, path):
        self.path = path
        self.key = None
        self.name = None
        self.min_version = None
        self.max_version = None
        self.flexible = -1
        self.common = {}
        self.request = None
        self.response = None


def parse_schema(path):
    msg = Message(path)
    lines = open(path, encoding="utf-8").read().split("\n")
    # stack of (indent, Struct); top-level block structs sit at indent 0.
    stack = []
    block_names = {}

    def where(i):
        return f"{path}:{i + 1}"

    for i, raw in enumerate(lines):
        if not raw.strip() or raw.strip().startswith("#"):
            continue
        indent = len(raw) - len(raw.lstrip(" "))
        text = raw.strip()
        if indent == 0:
            stack = []
            words = text.split()
            if words[0] == "api":
                msg.key, msg.name = int(words[1]), words[2]
            elif words[0] == "versions":
                lo, hi = words[1].split("-")
                msg.min_version, msg.max_version = int(lo), int(hi)
            elif words[0] == "flexible":
                msg.flexible = -1 if words[1] == "none" else int(words[1].rstrip("+"))
            elif words[0] == "struct":
                s = Struct(words[1], common=True)
                msg.common[s.name] = s
                stack = [(0, s)]
            elif words[0] in ("request", "response"):
                s = Struct(msg.name + words[0].capitalize())
                setattr(msg, words[0], s)
                stack = [(0, s)]
            else:
                raise SchemaError(f"{where(i)}: unknown directive '{words[0]}'")
            continue
        if not stack:
            raise SchemaError(f"{where(i)}: field outside a block")
        while stack and stack[-1][0] >= indent:
            stack.pop()
        if not stack:
            raise SchemaError(f"{where(i)}: bad indentation")
        parent = stack[-1][1]
        m = re.fullmatch(r"(\w+):\s+(\S+)\s+(v\S+)(.*)", text)
        if not m:
            raise SchemaError(f"{where(i)}: cannot parse field '{text}'")
        f = Field(m.group(1), m.group(2), parse_range(m.group(3), where(i)), where(i))
        rest = m.group(4).split()
        j = 0
        while j < len(rest):
            if rest[j] == "nullable":
                f.nullable = parse_range(rest[j + 1], where(i))
            elif rest[j] == "default":
                f.default = rest[j + 1]
            elif rest[j] == "tagged":
                f.tag = int(rest[j + 1])
            else:
                raise SchemaError(f"{where(i)}: unknown attribute '{rest[j]}'")
            j += 2
        parent.fields.append(f)
        if f.is_array and not f.prim_elem:
            s = Struct(f.elem)
            f.struct = s
            stack.append((indent, s))
    # Resolve references to shared structs (arrays of a struct declared without children).
    for s in all_structs_of(msg):
        for f in s.fields:
            if f.struct is not None and not f.struct.fields and f.elem in msg.common:
                f.struct = msg.common[f.elem]
    for attr in ("key", "name", "min_version", "max_version", "request", "response"):
        if getattr(msg, attr) is None:
            raise SchemaError(f"{path}: missing '{attr}'")
    expected = os.path.splitext(os.path.basename(path))[0]
    if snake(msg.name) != expected:
        raise SchemaError(f"{path}: file name must be {snake(msg.name)}.schema")
    return msg


def nested_structs(s, out):
    """Structs defined inside s (depth first, innermost first), excluding shared ones."""
    for f in s.fields:
        if f.struct is not None and not f.struct.common:
            nested_structs(f.struct, out)
            out.append(f.struct)
    return out


def all_structs_of(msg):
    out = list(msg.common.values())
    for top in (msg.request, msg.response):
        if top is not None:
            out += nested_structs(top, []) + [top]
    return out


def any_nullable(f):
    return f.nullable is not None


def range_cond(r, lo_bound=0):
    lo, hi = r
    parts = []
    if lo > lo_bound:
        parts.append(f"version >= {lo}")
    if hi != MAX_VERSION:
        parts.append(f"version <= {hi}")
    return " && ".join(parts) if parts else "true"


def elem_cpp(f):
    if f.prim_elem:
        return PRIMS[f.elem]
    return f.struct.name


def field_cpp(f):
    if f.is_array:
        t = f"std::vector<{elem_cpp(f)}>"
    else:
        t = PRIMS[f.elem]
    if any_nullable(f) and f.elem != "records":
        t = f"std::optional<{t}>"
    return t


def int_literal(cpp_type, value):
    v = int(value, 0)
    if v == -(2 ** 31) and cpp_type == "int32_t":
        return "std::numeric_limits<int32_t>::min()"
    if v == -(2 ** 63):
        return "std::numeric_limits<int64_t>::min()"
    return value


def field_default(f):
    """Initializer text (without '='), or None for the type's own default."""
    d = f.default
    if f.is_array:
        if d not in (None, "null"):
            raise SchemaError(f"array field {f.name} can only default to null")
        if d == "null":
            return "std::nullopt"
        return f"std::vector<{elem_cpp(f)}>()" if any_nullable(f) else None
    if f.elem in ("int8", "int16", "int32", "int64"):
        return int_literal(PRIMS[f.elem], d) if d is not None else "0"
    if f.elem == "bool":
        return d if d is not None else "false"
    if f.elem == "records":
        return None
    if d == "null":
        if not any_nullable(f):
            raise SchemaError(f"field {f.name} defaults to null but is not nullable")
        return "std::nullopt"
    if d is not None:
        raise SchemaError(f"field {f.name}: only null defaults are supported for {f.elem}")
    # Kafka's default for a (nullable) string or bytes is the empty, non-null value.
    return f"{PRIMS[f.elem]}()" if any_nullable(f) else None


def is_default_expr(f, x):
    d = field_default(f)
    if f.elem == "records" and not f.is_array:
        return f"{x}.is_null()"
    if any_nullable(f):
        if d == "std::nullopt":
            return f"!{x}.has_value()"
        return f"({x}.has_value() && {x}->empty())"
    if f.is_array or f.elem in ("string", "bytes"):
        return f"{x}.empty()"
    return f"{x} == {d}"


# ---- code emission ----

def write_prim(elem, x, flex, nullable_cond, is_opt):
    if elem == "int8":
        return f"w.write_int8({x});"
    if elem == "int16":
        return f"w.write_int16({x});"
    if elem == "int32":
        return f"w.write_int32({x});"
    if elem == "int64":
        return f"w.write_int64({x});"
    if elem == "bool":
        return f"w.write_bool({x});"
    if elem == "records":
        return f"w.write_records({x}, {flex});"
    fn = "string" if elem == "string" else "bytes"
    if not is_opt:
        return f"w.write_{fn}({x}, {flex});"
    if elem == "string":
        plain = f"w.write_string({x} ? std::string_view(*{x}) : std::string_view(), {flex});"
    else:
        plain = (f"w.write_bytes({x} ? std::span<const uint8_t>(*{x}) : "
                 f"std::span<const uint8_t>(), {flex});")
    if nullable_cond == "true":
        return f"w.write_nullable_{fn}({x}, {flex});"
    if nullable_cond == "false":
        return plain
    return f"if ({nullable_cond}) {{ w.write_nullable_{fn}({x}, {flex}); }} else {{ {plain} }}"


def read_prim(elem, target, flex, nullable_cond, is_opt):
    simple = {"int8": "r.read_int8()", "int16": "r.read_int16()", "int32": "r.read_int32()",
              "int64": "r.read_int64()", "bool": "r.read_bool()", "records": f"r.read_records({flex})"}
    if elem in simple:
        return f"{target} = {simple[elem]};"
    fn = "string" if elem == "string" else "bytes"
    if not is_opt:
        return f"{target} = r.read_{fn}({flex});"
    if nullable_cond == "true":
        return f"{target} = r.read_nullable_{fn}({flex});"
    if nullable_cond == "false":
        return f"{target} = r.read_{fn}({flex});"
    return (f"{target} = ({nullable_cond}) ? r.read_nullable_{fn}({flex}) : "
            f"std::optional<{PRIMS[elem]}>(r.read_{fn}({flex}));")


def nullable_cond_of(f):
    if f.nullable is None:
        return "false"
    # Nullable in every version where the field exists: no runtime check needed.
    if f.nullable[0] <= f.versions[0] and f.nullable[1] >= f.versions[1]:
        return "true"
    return range_cond(f.nullable)


def emit_encode_field(f, x, flex, out, ind):
    nc = nullable_cond_of(f)
    opt = any_nullable(f) and f.elem != "records"
    if not f.is_array:
        out.append(ind + write_prim(f.elem, x, flex, nc, opt))
        return
    if opt:
        out.append(ind + f"if (!{x}) {{")
        out.append(ind + f"  w.write_array_length(({nc}) ? -1 : 0, {flex});")
        out.append(ind + "} else {")
        inner, xs = ind + "  ", f"(*{x})"
    else:
        inner, xs = ind, x
    out.append(inner + f"w.write_array_length(static_cast<int32_t>({xs}.size()), {flex});")
    out.append(inner + f"for (const auto& e : {xs}) {{")
    if f.prim_elem:
        out.append(inner + "  " + write_prim(f.elem, "e", flex, "false", False))
    else:
        out.append(inner + "  e.encode(w, version);")
    out.append(inner + "}")
    if opt:
        out.append(ind + "}")


def emit_decode_field(f, x, flex, out, ind, reader="r"):
    nc = nullable_cond_of(f)
    opt = any_nullable(f) and f.elem != "records"
    if not f.is_array:
        out.append(ind + read_prim(f.elem, x, flex, nc, opt).replace("r.read_", f"{reader}.read_"))
        return
    out.append(ind + "{")
    out.append(ind + f"  const int32_t n = {reader}.read_array_length({flex}, {nc});")
    if opt:
        out.append(ind + f"  if (n < 0) {{ {x}.reset(); }} else {{")
        out.append(ind + f"  auto& v = {x}.emplace();")
    else:
        out.append(ind + f"  auto& v = {x};")
        out.append(ind + "  v.clear();")
    # Counts are already capped by the bytes left; also cap the up-front reservation.
    out.append(ind + "  v.reserve(static_cast<size_t>(std::min<int32_t>(n, 1024)));")
    out.append(ind + "  for (int32_t i = 0; i < n; ++i) {")
    if f.prim_elem:
        out.append(ind + "    " + read_prim(f.elem, "v.emplace_back()", flex, "false", False)
                   .replace("r.read_", f"{reader}.read_"))
    else:
        out.append(ind + f"    v.emplace_back().decode({reader}, version);")
    out.append(ind + "  }")
    if opt:
        out.append(ind + "  }")
    out.append(ind + "}")


def emit_struct_decl(s, ind):
    out = [f"{ind}struct {s.name} {{"]
    for f in s.fields:
        d = field_default(f)
        init = f" = {d}" if d is not None else ""
        vers = "" if f.versions == (0, MAX_VERSION) else f"  // {fmt_range(f.versions)}"
        tag = f"  // tagged {f.tag}" if f.tag is not None else ""
        out.append(f"{ind}  {field_cpp(f)} {f.cname}{init};{vers}{tag}")
    out.append("")
    out.append(f"{ind}  void decode(Reader& r, int16_t version);")
    out.append(f"{ind}  void encode(Writer& w, int16_t version) const;")
    out.append(f"{ind}  bool operator==(const {s.name}&) const = default;")
    out.append(f"{ind}}};")
    return out


def fmt_range(r):
    lo, hi = r
    return f"v{lo}+" if hi == MAX_VERSION else (f"v{lo}" if lo == hi else f"v{lo}-{hi}")


def emit_struct_defs(s, qual, msg, is_top):
    flex_expr = "false" if msg.flexible < 0 else f"version >= {msg.flexible}"
    tagged = [f for f in s.fields if f.tag is not None]
    plain = [f for f in s.fields if f.tag is None]
    out = [f"void {qual}::decode(Reader& r, int16_t version) {{"]
    if is_top:
        out.append(f"  *this = {s.name}{{}};")
    out.append(f"  [[maybe_unused]] const bool flex = {flex_expr};")
    for f in plain:
        cond = range_cond(f.versions)
        if cond == "true":
            emit_decode_field(f, f.cname, "flex", out, "  ")
        else:
            out.append(f"  if ({cond}) {{")
            emit_decode_field(f, f.cname, "flex", out, "    ")
            out.append("  }")
    if msg.flexible >= 0:
        out.append("  if (flex) {")
        if not tagged:
            out.append("    r.skip_tag_buffer();")
        else:
            out.append("    const uint32_t count = r.read_uvarint();")
            out.append("    for (uint32_t t = 0; t < count; ++t) {")
            out.append("      const uint32_t tag = r.read_uvarint();")
            out.append("      Reader sub = r.sub_reader(r.read_uvarint());")
            for f in tagged:
                out.append(f"      if (tag == {f.tag} && ({range_cond(f.versions)})) {{")
                emit_decode_field(f, f.cname, "flex", out, "        ", reader="sub")
                out.append("      }")
            out.append("    }")
        out.append("  }")
    out.append("}")
    out.append("")
    out.append(f"void {qual}::encode(Writer& w, int16_t version) const {{")
    out.append(f"  [[maybe_unused]] const bool flex = {flex_expr};")
    for f in plain:
        cond = range_cond(f.versions)
        if cond == "true":
            emit_encode_field(f, f.cname, "flex", out, "  ")
        else:
            out.append(f"  if ({cond}) {{")
            emit_encode_field(f, f.cname, "flex", out, "    ")
            out.append("  }")
    if msg.flexible >= 0:
        out.append("  if (flex) {")
        if not tagged:
            out.append("    w.write_empty_tag_buffer();")
        else:
            # Tagged fields are written only when they differ from their default.
            conds = [f"({range_cond(f.versions)}) && !({is_default_expr(f, f.cname)})"
                     for f in tagged]
            out.append("    uint32_t count = 0;")
            for c in conds:
                out.append(f"    if ({c}) ++count;")
            out.append("    w.write_uvarint(count);")
            for f, c in zip(tagged, conds):
                out.append(f"    if ({c}) {{")
                out.append("      OutBuffer tmp;")
                out.append("      {")
                out.append("        Writer w(tmp);")
                emit_encode_field(f, f.cname, "flex", out, "        ")
                out.append("      }")
                out.append("      const std::vector<uint8_t> bytes = tmp.flatten();")
                out.append(f"      w.write_uvarint({f.tag});")
                out.append("      w.write_uvarint(static_cast<uint32_t>(bytes.size()));")
                out.append("      w.write_raw(bytes.data(), bytes.size());")
                out.append("    }")
        out.append("  }")
    out.append("}")
    out.append("")
    return out


HEADER_NOTE = "// Generated by protocol/gen/generate.py from protocol/schema/{}. Do not edit."


def gen_message(msg, schema_name):
    base = snake(msg.name).rstrip("_")
    h = ["#pragma once", HEADER_NOTE.format(schema_name),
         "#include <cstdint>", "#include <optional>", "#include <string>", "#include <vector>", "",
         '#include "protocol/wire.h"', "", "namespace kb::protocol {", ""]
    for s in msg.common.values():
        for n in nested_structs(s, []):
            h += emit_struct_decl(n, "")
            h.append("")
        h += emit_struct_decl(s, "")
        h.append("")
    for top in (msg.request, msg.response):
        h.append(f"// {msg.name} (API key {msg.key}) {top.name[len(msg.name):].lower()}, "
                 f"versions {msg.min_version}-{msg.max_version}.")
        h.append(f"struct {top.name} {{")
        h.append(f"  static constexpr int16_t kApiKey = {msg.key};")
        names = set()
        for n in nested_structs(top, []):
            if n.name in names:
                raise SchemaError(f"{msg.path}: struct name {n.name} used twice")
            names.add(n.name)
            h += emit_struct_decl(n, "  ")
            h.append("")
        decl = emit_struct_decl(top, "")
        h += decl[1:]
        h.append("")
    h.append("}  // namespace kb::protocol")
    cc = [HEADER_NOTE.format(schema_name), f'#include "protocol/messages/{base}.h"', "",
          "#include <algorithm>", "#include <limits>", "", "namespace kb::protocol {", ""]
    for s in msg.common.values():
        for n in nested_structs(s, []):
            cc += emit_struct_defs(n, n.name, msg, False)
        cc += emit_struct_defs(s, s.name, msg, False)
    for top in (msg.request, msg.response):
        for n in nested_structs(top, []):
            cc += emit_struct_defs(n, f"{top.name}::{n.name}", msg, False)
        cc += emit_struct_defs(top, top.name, msg, True)
    cc.append("}  // namespace kb::protocol")
    # std::numeric_limits is used in member initializers, so the header needs <limits>.
    h.insert(h.index("#include <optional>"), "#include <limits>")
    return base, "\n".join(h) + "\n", "\n".join(cc) + "\n"


def gen_api_keys(msgs):
    h = ["#pragma once", "// Generated by protocol/gen/generate.py from protocol/schema/*.schema. Do not edit.",
         "#include <cstdint>", "#include <vector>", "", "namespace kb::protocol {", "",
         "enum class ApiKey : int16_t {"]
    for m in msgs:
        h.append(f"  k{m.name} = {m.key},")
    h += ["};", "",
          "// What the codec knows about an API: its valid version range (the broker chooses what it",
          "// advertises) and the first flexible version (-1 when none).",
          "struct MessageSpec {",
          "  ApiKey key;",
          "  const char* name;",
          "  int16_t min_version;",
          "  int16_t max_version;",
          "  int16_t first_flexible_version;",
          "  bool is_flexible(int16_t version) const {",
          "    return first_flexible_version >= 0 && version >= first_flexible_version;",
          "  }",
          "  bool is_valid_version(int16_t version) const {",
          "    return version >= min_version && version <= max_version;",
          "  }",
          "};", "",
          "// nullptr for a key the codec does not describe.",
          "const MessageSpec* find_message_spec(int16_t key);",
          "inline const MessageSpec* find_message_spec(ApiKey key) {",
          "  return find_message_spec(static_cast<int16_t>(key));",
          "}",
          "// Ordered by key.",
          "const std::vector<MessageSpec>& all_message_specs();", "",
          "}  // namespace kb::protocol"]
    cc = ["// Generated by protocol/gen/generate.py. Do not edit.", '#include "protocol/api_keys.h"', "#include <cstddef>",
          "", "namespace kb::protocol {", "",
          "const std::vector<MessageSpec>& all_message_specs() {",
          "  static const std::vector<MessageSpec> specs = {"]
    for m in msgs:
        cc.append(f'      {{ApiKey::k{m.name}, "{m.name}", {m.min_version}, {m.max_version}, '
                  f'{m.flexible}}},')
    cc += ["  };", "  return specs;", "}", "",
           "const MessageSpec* find_message_spec(int16_t key) {",
           "  // Keys are small and dense enough that a direct table is simplest.",
           "  static const auto* table = [] {",
           "    auto* t = new std::vector<const MessageSpec*>();",
           "    for (const auto& s : all_message_specs()) {",
           "      const auto k = static_cast<size_t>(s.key);",
           "      if (t->size() <= k) t->resize(k + 1, nullptr);",
           "      (*t)[k] = &s;",
           "    }",
           "    return t;",
           "  }();",
           "  if (key < 0 || static_cast<size_t>(key) >= table->size()) return nullptr;",
           "  return (*table)[static_cast<size_t>(key)];",
           "}", "", "}  // namespace kb::protocol"]
    return "\n".join(h) + "\n", "\n".join(cc) + "\n"


def gen_any(msgs):
    h = ["#pragma once", "// Generated by protocol/gen/generate.py. Do not edit.",
         "#include <cstdint>", "", '#include "protocol/wire.h"', "", "namespace kb::protocol {", "",
         "// Decodes (and discards) a request or response body of any described API; false for an",
         "// unknown key. Throws DecodeError on malformed input. Used by the fuzzer and diagnostics.",
         "bool decode_any_request(int16_t key, int16_t version, Reader& r);",
         "bool decode_any_response(int16_t key, int16_t version, Reader& r);", "",
         "}  // namespace kb::protocol"]
    cc = ["// Generated by protocol/gen/generate.py. Do not edit.", '#include "protocol/messages/any.h"', ""]
    for m in msgs:
        cc.append(f'#include "protocol/messages/{snake(m.name)}.h"')
    cc += ["", "namespace kb::protocol {", ""]
    for kind in ("Request", "Response"):
        cc.append(f"bool decode_any_{kind.lower()}(int16_t key, int16_t version, Reader& r) {{")
        cc.append("  switch (key) {")
        for m in msgs:
            cc.append(f"    case {m.key}: {{")
            cc.append(f"      {m.name}{kind} m;")
            cc.append("      m.decode(r, version);")
            cc.append("      return true;")
            cc.append("    }")
        cc += ["    default:", "      return false;", "  }", "}", ""]
    cc.append("}  // namespace kb::protocol")
    return "\n".join(h) + "\n", "\n".join(cc) + "\n"


def sample_fill(s, qual, out):
    """fill_sample(): a value different from the default in every field present in `version`."""
    out.append(f"void fill_sample({qual}& x, int16_t version, SampleSeq& seq) {{")
    for f in s.fields:
        cond = range_cond(f.versions)
        out.append(f"  if ({cond}) {{")
        x = f"x.{f.cname}"
        if f.is_array:
            if any_nullable(f):
                out.append(f"    auto& v = {x}.emplace();")
            else:
                out.append(f"    auto& v = {x};")
            out.append("    for (int i = 0; i < 2; ++i) {")
            if f.prim_elem:
                out.append(f"      seq.fill(v.emplace_back());")
            else:
                out.append("      fill_sample(v.emplace_back(), version, seq);")
            out.append("    }")
        elif f.elem == "records":
            out.append(f"    {x} = seq.records();")
        elif f.elem == "bool":
            out.append(f"    {x} = !{x};")
        elif any_nullable(f):
            out.append(f"    seq.fill({x}.emplace());")
        else:
            out.append(f"    seq.fill({x});")
        out.append("  }")
    out.append("}")
    out.append("")


def gen_test_samples(msgs):
    h = ["#pragma once", "// Generated by protocol/gen/generate.py. Do not edit. Test support only.",
         "#include <cstdint>", "#include <functional>", "#include <string>", "#include <vector>", "",
         "namespace kb::protocol::testing {", "",
         "struct SampleCase {",
         "  const char* name;  // e.g. \"ProduceRequest\"",
         "  int16_t api_key;",
         "  int16_t min_version;",
         "  int16_t max_version;",
         "  // Fills every field present in `version` with a non-default value, encodes, decodes,",
         "  // compares and re-encodes. Returns an empty string on success, else what went wrong.",
         "  std::function<std::string(int16_t version)> round_trip;",
         "};", "",
         "const std::vector<SampleCase>& sample_cases();", "",
         "}  // namespace kb::protocol::testing"]
    cc = ["// Generated by protocol/gen/generate.py. Do not edit.",
          '#include "protocol/messages/test_samples.h"', ""]
    for m in msgs:
        cc.append(f'#include "protocol/messages/{snake(m.name)}.h"')
    cc += ["", "namespace kb::protocol::testing {", "namespace {", "",
           "// Produces distinct small values so that no sample equals a schema default",
           "// (defaults are 0, -1, -2, 1, 60000, INT32_MIN, INT32_MAX).",
           "class SampleSeq {",
           " public:",
           "  int next() { return 3 + (n_++ % 100); }",
           "  void fill(int8_t& v) { v = static_cast<int8_t>(next()); }",
           "  void fill(int16_t& v) { v = static_cast<int16_t>(next()); }",
           "  void fill(int32_t& v) { v = next(); }",
           "  void fill(int64_t& v) { v = (int64_t{1} << 40) + next(); }",
           "  void fill(std::string& v) { v = \"s\" + std::to_string(next()); }",
           "  void fill(std::vector<uint8_t>& v) { v = {uint8_t(next()), 0, 0xff}; }",
           "  Records records() { return Records::owned({1, 2, 3, uint8_t(next())}); }",
           "",
           " private:",
           "  int n_ = 0;",
           "};", ""]
    for m in msgs:
        for s in msg_structs_with_qual(m):
            cc.append(f"void fill_sample({s[1]}& x, int16_t version, SampleSeq& seq);")
    cc.append("")
    for m in msgs:
        for s, qual in msg_structs_with_qual(m):
            sample_fill(s, qual, cc)
    cc += ["template <typename T>",
           "std::string round_trip(int16_t version) {",
           "  T a;",
           "  SampleSeq seq;",
           "  fill_sample(a, version, seq);",
           "  OutBuffer out;",
           "  Writer w(out);",
           "  a.encode(w, version);",
           "  const std::vector<uint8_t> bytes = out.flatten();",
           "  Reader r(bytes.data(), bytes.size());",
           "  T b;",
           "  b.decode(r, version);",
           "  if (!r.at_end()) return \"trailing bytes after decode\";",
           "  if (!(a == b)) return \"decoded value differs from the encoded one\";",
           "  OutBuffer out2;",
           "  Writer w2(out2);",
           "  b.encode(w2, version);",
           "  if (out2.flatten() != bytes) return \"re-encoding differs\";",
           "  return {};",
           "}", "", "}  // namespace", "",
           "const std::vector<SampleCase>& sample_cases() {",
           "  static const std::vector<SampleCase> cases = {"]
    for m in msgs:
        for kind in ("Request", "Response"):
            cc.append(f'      {{"{m.name}{kind}", {m.key}, {m.min_version}, {m.max_version}, '
                      f"&round_trip<{m.name}{kind}>}},")
    cc += ["  };", "  return cases;", "}", "", "}  // namespace kb::protocol::testing"]
    return "\n".join(h) + "\n", "\n".join(cc) + "\n"


def msg_structs_with_qual(m):
    out = []
    for s in m.common.values():
        for n in nested_structs(s, []):
            out.append((n, n.name))
        out.append((s, s.name))
    for top in (m.request, m.response):
        for n in nested_structs(top, []):
            out.append((n, f"{top.name}::{n.name}"))
        out.append((top, top.name))
    return out


def write_if_changed(path, text):
    # Keeps timestamps stable so that an unchanged header does not rebuild its users.
    os.makedirs(os.path.dirname(path), exist_ok=True)
    try:
        if open(path, encoding="utf-8").read() == text:
            return
    except FileNotFoundError:
        pass
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("schemas", nargs="+")
    args = ap.parse_args()
    try:
        msgs = sorted((parse_schema(p) for p in args.schemas), key=lambda m: m.key)
        seen = set()
        for m in msgs:
            if m.key in seen:
                raise SchemaError(f"{m.path}: duplicate api key {m.key}")
            seen.add(m.key)
        out_dir = os.path.join(args.out, "protocol")
        for m in msgs:
            base, h, cc = gen_message(m, os.path.basename(m.path))
            write_if_changed(os.path.join(out_dir, "messages", base + ".h"), h)
            write_if_changed(os.path.join(out_dir, "messages", base + ".cc"), cc)
        h, cc = gen_api_keys(msgs)
        write_if_changed(os.path.join(out_dir, "api_keys.h"), h)
        write_if_changed(os.path.join(out_dir, "api_keys.cc"), cc)
        h, cc = gen_any(msgs)
        write_if_changed(os.path.join(out_dir, "messages", "any.h"), h)
        write_if_changed(os.path.join(out_dir, "messages", "any.cc"), cc)
        h, cc = gen_test_samples(msgs)
        write_if_changed(os.path.join(out_dir, "messages", "test_samples.h"), h)
        write_if_changed(os.path.join(out_dir, "messages", "test_samples.cc"), cc)
    except SchemaError as e:
        print(f"generate.py: error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
