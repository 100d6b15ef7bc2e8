"""Griffe extension for the API reference: read what unikeras builds at import time.

Griffe reads the source statically, which misses three things unikeras does when it is imported:
most ops are made by a factory (``add = primitive("add")``), a few classes are made by a
function (``LogCosh = _simple(...)``) or are second names of another class
(``Convolution2D = Conv2D``), and some ``__all__`` lists are computed (``[*_CLASSES, ...]``).
Statically those are bare attributes with no signature or docstring, or missing exports.

After the package is loaded this extension imports each documented module (importing unikeras
imports no framework; ``unikeras.backends`` and ``unikeras.__main__`` are never imported) and:

- sets the module's exports from its runtime ``__all__``;
- turns each public attribute whose runtime value is a function or class into an alias of
  the object it names when griffe knows that object, or else into a function or class built
  from its runtime signature and docstring.

It is used by ``mkdocs.yml`` (``extensions`` of the python handler); ``make docs`` runs it.
"""

from __future__ import annotations

import importlib
import inspect
import logging
from typing import Any

import griffe

_SKIP = ("unikeras.backends", "unikeras.__main__")
_KINDS = {
    inspect.Parameter.POSITIONAL_ONLY: griffe.ParameterKind.positional_only,
    inspect.Parameter.POSITIONAL_OR_KEYWORD: griffe.ParameterKind.positional_or_keyword,
    inspect.Parameter.VAR_POSITIONAL: griffe.ParameterKind.var_positional,
    inspect.Parameter.KEYWORD_ONLY: griffe.ParameterKind.keyword_only,
    inspect.Parameter.VAR_KEYWORD: griffe.ParameterKind.var_keyword,
}


class _ComputedAllWarning(logging.Filter):
    """Drop griffe's "Unsupported item in unikeras.X.__all__" warnings: the exports of those
    modules are replaced by their runtime ``__all__`` below."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not ("Unsupported item in unikeras." in message and ".__all__" in message)


for _name in ("griffe", "mkdocs.plugins.griffe"):
    logging.getLogger(_name).addFilter(_ComputedAllWarning())


def _modules(module: griffe.Module) -> list[griffe.Module]:
    found = [module]
    for member in module.members.values():
        if not member.is_alias and member.is_module:
            found += _modules(member)
    return found


def _annotation(value: Any) -> str | None:
    if value is inspect.Parameter.empty:
        return None
    return value if isinstance(value, str) else inspect.formatannotation(value)


class RuntimeObjects(griffe.Extension):
    """Replace import-time objects that static analysis sees as bare attributes."""

    def on_package(self, *, pkg: griffe.Module, loader: griffe.GriffeLoader, **kwargs: Any) -> None:
        if pkg.name != "unikeras":
            return
        self._loader = loader
        for module in _modules(pkg):
            if not module.path.startswith(_SKIP):
                self._fix(module)

    def _known(self, path: str) -> bool:
        try:
            self._loader.modules_collection.get_member(path)
        except (KeyError, ValueError, griffe.AliasResolutionError):
            return False
        return True

    def _fix(self, module: griffe.Module) -> None:
        runtime = importlib.import_module(module.path)
        names = getattr(runtime, "__all__", None)
        if names is not None:
            module.exports = [str(name) for name in names]
        for name, member in list(module.members.items()):
            if name.startswith("_") or member.is_alias or not member.is_attribute:
                continue
            value = getattr(runtime, name, None)
            if not (inspect.isclass(value) or inspect.isfunction(value) or inspect.isroutine(value)):
                continue
            target = f"{getattr(value, '__module__', '')}.{getattr(value, '__qualname__', '')}"
            if target != member.path and self._known(target):
                module.set_member(name, griffe.Alias(name, target, parent=module, lineno=member.lineno))
            elif inspect.isclass(value):
                module.set_member(name, self._class(name, value, module, member))
            else:
                module.set_member(name, self._function(name, value, module, member, method=False))

    def _docstring(self, value: Any, parent: griffe.Object) -> griffe.Docstring | None:
        doc = inspect.getdoc(value)
        if not doc:
            return None
        return griffe.Docstring(
            doc,
            parent=parent,
            parser=self._loader.docstring_parser,
            parser_options=self._loader.docstring_options,
        )

    def _function(
        self, name: str, value: Any, parent: griffe.Object, member: griffe.Object, method: bool
    ) -> griffe.Function:
        try:
            signature = inspect.signature(value)
        except (TypeError, ValueError):
            signature = inspect.Signature()
        parameters = [griffe.Parameter("self", kind=griffe.ParameterKind.positional_or_keyword)] if method else []
        for param in signature.parameters.values():
            parameters.append(
                griffe.Parameter(
                    param.name,
                    annotation=_annotation(param.annotation),
                    kind=_KINDS[param.kind],
                    default=None if param.default is inspect.Parameter.empty else repr(param.default),
                )
            )
        function = griffe.Function(
            name,
            parameters=griffe.Parameters(*parameters),
            returns=_annotation(signature.return_annotation),
            lineno=member.lineno,
            endlineno=member.endlineno,
            parent=parent,
        )
        if not method:
            function.docstring = self._docstring(value, function)
        return function

    def _class(self, name: str, value: type, module: griffe.Module, member: griffe.Object) -> griffe.Class:
        bases = [f"{base.__module__}.{base.__qualname__}" for base in value.__bases__ if base is not object]
        cls = griffe.Class(name, bases=bases, lineno=member.lineno, endlineno=member.endlineno, parent=module)
        cls.docstring = self._docstring(value, cls)
        cls.set_member("__init__", self._function("__init__", value, cls, member, method=True))
        return cls
