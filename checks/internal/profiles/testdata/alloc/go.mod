module alloc

go 1.26
