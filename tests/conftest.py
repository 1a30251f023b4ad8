"""Settings of the whole test session, inherited by the processes the tests start.

XLA (JAX, and TensorFlow where it compiles with XLA) compiles here without its costly LLVM
optimisations: the tests run tiny models, whose time goes to compiling, not to running (the JAX
re-run of the layer and model tests: 22% faster on a 2-core CPU). A user's ``XLA_FLAGS`` wins.
"""

import os

os.environ.setdefault("XLA_FLAGS", "--xla_backend_optimization_level=0 --xla_llvm_disable_expensive_passes=true")
