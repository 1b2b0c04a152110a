// Package hotescape builds cache keys on the hot path of a cache lookup.
package hotescape

import "strconv"

// AppendKey appends the cache key "user:<id>:<field>" to dst and returns
// the extended slice. It runs on every cache lookup.
func AppendKey(dst []byte, id int, field string) []byte {
	n := len("user::") + 20 + len(field)
	scratch := make([]byte, 0, n)
	scratch = append(scratch, "user:"...)
	scratch = strconv.AppendInt(scratch, int64(id), 10)
	scratch = append(scratch, ':')
	scratch = append(scratch, field...)
	return append(dst, scratch...)
}
