package orka

// Tolerant decoding of Orka's answers. MacStadium's own clients (the Jenkins, TeamCity and
// GitHub Actions integrations) accept shapes that the API notes do not promise: a list sent as
// a bare JSON array, numbers sent as numeric strings ("8822"), memory as a number, a numeric
// string or a Kubernetes quantity. This client accepts what they accept, so that it never fails
// where they work. Everything it still cannot read fails with a DecodeError that names the
// route, the field and the value, never with a bare "json: cannot unmarshal".
//
// How: the answer is decoded into a generic tree (numbers kept as written), each value is
// checked and normalised against the Go type it is meant for (found by reflection from the
// struct tags), and the normalised tree is then decoded into that type. Unknown fields are
// ignored, as encoding/json does.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"regexp"
	"strconv"
	"strings"
)

// DecodeError is a 2xx answer holding a value this client cannot read.
type DecodeError struct {
	Method, Path string
	// Field is the JSON path of the value ("items[0].ssh"); empty for the whole answer.
	Field string
	// Value is an excerpt of the value as sent, or "***" for a secret field.
	Value string
	// Want says what the client expected there.
	Want string
}

func (e *DecodeError) Error() string {
	where := "the answer"
	if e.Field != "" {
		where = "field " + e.Field
	}
	return fmt.Sprintf("%s %s: Orka's answer cannot be read: %s is %s, expected %s",
		e.Method, e.Path, where, e.Value, e.Want)
}

// memoryFields are the JSON fields that hold memory sizes (compared case-insensitively).
var memoryFields = map[string]bool{"memory": true, "availablememory": true, "allocatablememory": true}

// decodeAnswer decodes a 2xx body into out (a pointer). An empty body leaves out untouched.
func decodeAnswer(method, path string, body []byte, out any) error {
	tree, err := parseTree(body)
	if err != nil || tree == nil {
		return wrapDecodeError(method, path, err)
	}
	norm, err := normalize(tree, reflect.TypeOf(out).Elem(), "", false)
	if err != nil {
		return wrapDecodeError(method, path, err)
	}
	return reencode(method, path, norm, out)
}

// decodeListAnswer decodes a list answer: {"items": [...]} as documented, or a bare array
// (a TeamCity client comment says Orka 3 returns the array directly). An empty body, a
// missing or null "items" and null are an empty list, never nil.
func decodeListAnswer[T any](method, path string, body []byte) ([]T, error) {
	tree, err := parseTree(body)
	if err != nil {
		return nil, wrapDecodeError(method, path, err)
	}
	items, field := tree, ""
	if obj, ok := tree.(map[string]any); ok {
		items, field = lookupFold(obj, "items"), "items"
	}
	out := []T{}
	if items == nil {
		return out, nil
	}
	if _, ok := items.([]any); !ok {
		want := `a list: {"items": [...]} or a JSON array`
		return nil, wrapDecodeError(method, path, &DecodeError{Field: field, Value: excerptValue(items), Want: want})
	}
	norm, err := normalize(items, reflect.TypeOf(out), field, false)
	if err != nil {
		return nil, wrapDecodeError(method, path, err)
	}
	if err := reencode(method, path, norm, &out); err != nil {
		return nil, err
	}
	if out == nil {
		out = []T{}
	}
	return out, nil
}

func parseTree(body []byte) (any, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var tree any
	if err := dec.Decode(&tree); err != nil {
		return nil, &DecodeError{Value: strconv.Quote(excerpt(body)), Want: "JSON"}
	}
	return tree, nil
}

func wrapDecodeError(method, path string, err error) error {
	if err == nil {
		return nil
	}
	if de, ok := err.(*DecodeError); ok { //nolint:errorlint // built here, never wrapped
		de.Method, de.Path = method, path
		return de
	}
	return fmt.Errorf("%s %s: decoding Orka's answer: %w", method, path, err)
}

// reencode decodes the normalised tree into out; after normalize it cannot mismatch, but the
// error still names the route if it ever does.
func reencode(method, path string, tree any, out any) error {
	b, err := json.Marshal(tree)
	if err == nil {
		err = json.Unmarshal(b, out)
	}
	if err != nil {
		return fmt.Errorf("%s %s: decoding Orka's answer: %w", method, path, err)
	}
	return nil
}

// normalize checks v against type t and returns it in the shape encoding/json expects for t.
// field is v's JSON path; memory says v is a memory size.
func normalize(v any, t reflect.Type, field string, memory bool) (any, error) {
	if v == nil {
		return nil, nil // null: the zero value, as encoding/json does
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	bad := func(want string) error {
		return &DecodeError{Field: field, Value: valueForError(field, v), Want: want}
	}
	if s, ok := v.(string); ok && strings.TrimSpace(s) == "" {
		switch t.Kind() {
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
			reflect.Float32, reflect.Float64, reflect.Bool:
			return nil, nil // "" where a number or flag belongs: not set
		}
	}
	switch t.Kind() {
	case reflect.Struct:
		obj, ok := v.(map[string]any)
		if !ok {
			return nil, bad("an object")
		}
		out := make(map[string]any, len(obj))
		for key, val := range obj {
			f, ok := fieldByJSONName(t, key)
			if !ok {
				continue // unknown fields are ignored
			}
			name := jsonName(f)
			nv, err := normalize(val, f.Type, joinField(field, name), memoryFields[strings.ToLower(name)])
			if err != nil {
				return nil, err
			}
			out[key] = nv
		}
		return out, nil
	case reflect.Slice:
		arr, ok := v.([]any)
		if !ok {
			return nil, bad("a JSON array")
		}
		out := make([]any, len(arr))
		for i, el := range arr {
			nv, err := normalize(el, t.Elem(), fmt.Sprintf("%s[%d]", field, i), memory)
			if err != nil {
				return nil, err
			}
			out[i] = nv
		}
		return out, nil
	case reflect.Map:
		obj, ok := v.(map[string]any)
		if !ok {
			return nil, bad("an object")
		}
		out := make(map[string]any, len(obj))
		for key, val := range obj {
			nv, err := normalize(val, t.Elem(), joinField(field, key), false)
			if err != nil {
				return nil, err
			}
			out[key] = nv
		}
		return out, nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, ok := wholeNumber(v)
		if !ok {
			return nil, bad("a whole number")
		}
		return n, nil
	case reflect.Float32, reflect.Float64:
		if memory {
			gib, err := memoryGiB(v)
			if err != nil {
				return nil, bad("a memory size: a number of GiB or a quantity such as \"4.80Gi\" or \"6G\"")
			}
			return gib, nil
		}
		f, ok := number(v)
		if !ok {
			return nil, bad("a number")
		}
		return f, nil
	case reflect.Bool:
		switch x := v.(type) {
		case bool:
			return x, nil
		case string:
			if b, err := strconv.ParseBool(strings.TrimSpace(x)); err == nil {
				return b, nil
			}
		}
		return nil, bad("true or false")
	case reflect.String:
		switch x := v.(type) {
		case string:
			if memory {
				if _, err := ParseMemoryGiB(x); err != nil {
					return nil, bad("a memory size: a number of GiB or a quantity such as \"4.80Gi\" or \"6G\"")
				}
			}
			return x, nil
		case json.Number:
			if memory {
				// A bare number of memory is GiB, as in VM configs; say so in the unit.
				return x.String() + "Gi", nil
			}
			return x.String(), nil
		}
		return nil, bad("a string")
	case reflect.Interface:
		return v, nil
	}
	return v, nil
}

// ParseMemoryGiB reads a memory size in GiB: a bare number (GiB, as Orka's VM configs use) or
// a Kubernetes quantity, as Orka reports memory ("4.80Gi", "31.23G"): a number with a binary
// suffix (Ki, Mi, Gi, Ti, Pi, Ei: powers of 1024), a decimal one (k, M, G, T, P, E: powers of
// 1000) or a decimal exponent ("1e9"). Nothing else is read: no sign, no space inside
// ("4.80 Gi"), no suffix after an exponent ("1e3Mi"), no other suffix ("4K", "4GB").
func ParseMemoryGiB(q string) (float64, error) {
	m := memoryQuantity.FindStringSubmatch(strings.TrimSpace(q))
	if m == nil {
		return 0, fmt.Errorf("%q is not a memory size", q)
	}
	n, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a memory size", q)
	}
	var bytes float64
	switch suffix, exponent := m[2], m[3]; {
	case exponent != "":
		exp, err := strconv.Atoi(exponent)
		if err != nil {
			return 0, fmt.Errorf("%q is not a memory size", q)
		}
		bytes = n * math.Pow(10, float64(exp))
	case suffix != "":
		bytes = n * memorySuffixes[suffix]
	default:
		return n, nil // a bare number is GiB
	}
	if math.IsInf(bytes, 0) {
		return 0, fmt.Errorf("%q is not a memory size", q)
	}
	return bytes / (1 << 30), nil
}

// memoryQuantity is a memory size: digits with an optional fraction (1), then an optional
// suffix (2) or decimal exponent (3).
var memoryQuantity = regexp.MustCompile(`^([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)|[eE]([+-]?[0-9]+))?$`)

// memorySuffixes are the bytes each suffix of a Kubernetes quantity stands for.
var memorySuffixes = map[string]float64{
	"Ki": 1 << 10, "Mi": 1 << 20, "Gi": 1 << 30, "Ti": 1 << 40, "Pi": 1 << 50, "Ei": 1 << 60,
	"k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15, "E": 1e18,
}

func memoryGiB(v any) (float64, error) {
	switch x := v.(type) {
	case json.Number:
		return ParseMemoryGiB(x.String())
	case string:
		return ParseMemoryGiB(x)
	}
	return 0, fmt.Errorf("not a memory size")
}

// number accepts a JSON number or a string holding one.
func number(v any) (float64, bool) {
	var s string
	switch x := v.(type) {
	case json.Number:
		s = x.String()
	case string:
		s = strings.TrimSpace(x)
	default:
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, false
	}
	return f, true
}

// wholeNumber accepts a JSON number or a string holding one, if it is whole ("8822", 4.0).
func wholeNumber(v any) (int64, bool) {
	f, ok := number(v)
	if !ok || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return 0, false
	}
	return int64(f), true
}

// fieldByJSONName finds the struct field a JSON key decodes into, as encoding/json does: an
// exact name first, then a case-insensitive one.
func fieldByJSONName(t reflect.Type, key string) (reflect.StructField, bool) {
	var fold *reflect.StructField
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() || jsonName(f) == "-" {
			continue
		}
		if jsonName(f) == key {
			return f, true
		}
		if fold == nil && strings.EqualFold(jsonName(f), key) {
			fold = &f
		}
	}
	if fold != nil {
		return *fold, true
	}
	return reflect.StructField{}, false
}

func jsonName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	if name == "" {
		return f.Name
	}
	return name
}

func lookupFold(obj map[string]any, key string) any {
	if v, ok := obj[key]; ok {
		return v
	}
	for k, v := range obj {
		if strings.EqualFold(k, key) {
			return v
		}
	}
	return nil
}

func joinField(parent, name string) string {
	if parent == "" {
		return name
	}
	return parent + "." + name
}

// valueForError shows a value in an error: redacted when its field has a secret name.
func valueForError(field string, v any) string {
	last := field
	if i := strings.LastIndexAny(field, ".]"); i >= 0 {
		last = field[i+1:]
	}
	if secretKeys[strings.ToLower(last)] {
		return redacted
	}
	return excerptValue(v)
}

func excerptValue(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%v", v)
	}
	const limit = 80
	if len(b) > limit {
		return string(b[:limit]) + "..."
	}
	return string(b)
}
