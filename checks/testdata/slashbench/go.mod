module example.com/slashbench

go 1.26
