"""The dashboard's views, one module each: a layout and the callbacks that fill it."""
