/* empty.c - stands in for a module that has no source file yet. */
typedef int guichet_empty_module;
