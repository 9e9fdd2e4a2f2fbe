"""The clients app has no facade loops: no module imports a module that imports it back (function-level
imports included), so a package's __init__ only re-exports and its submodules never reach back into it."""

import grimp

# Celery entry points call the services that queue them after commit: the one loop kept on purpose.
TASK_ENTRY_POINTS = "clients.tasks"


def test_no_clients_module_imports_a_module_that_imports_it_back():
    graph = grimp.build_graph("clients", cache_dir=None)
    loops = set()
    for module in graph.modules:
        for imported in graph.find_modules_directly_imported_by(module):
            if module in graph.find_modules_directly_imported_by(imported):
                loops.add(tuple(sorted((module, imported))))
    assert {pair for pair in loops if TASK_ENTRY_POINTS not in pair} == set()


def test_services_package_is_one_import_for_callers():
    from clients import services

    for name in services.__all__:
        assert getattr(services, name) is not None
