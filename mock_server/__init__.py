"""The bundled mock of the Nemo video API: stateful, streaming, with fault injection and a real renderer."""
