import { getTemplate, getUiOptions, type FieldTemplateProps, type TemplatesType } from '@rjsf/utils';

// react-jsonschema-form's field layout, with one change: the required mark is hidden from
// screen readers (the input says aria-required itself), so each field's accessible name is
// exactly the schema's title ("Name", not "Name*").
function FieldTemplate(props: FieldTemplateProps) {
  const { id, label, children, errors, help, description, hidden, required, displayLabel, registry, uiSchema } = props;
  const uiOptions = getUiOptions(uiSchema);
  const WrapIfAdditionalTemplate = getTemplate('WrapIfAdditionalTemplate', registry, uiOptions);
  if (hidden) return <div className="hidden">{children}</div>;
  const isCheckbox = uiOptions.widget === 'checkbox';
  return (
    <WrapIfAdditionalTemplate {...props}>
      {displayLabel && !isCheckbox && label && (
        <label className="control-label" htmlFor={id}>
          {label}
          {required && (
            <span className="required" aria-hidden="true" title="required">
              *
            </span>
          )}
        </label>
      )}
      {displayLabel && description ? description : null}
      {children}
      {errors}
      {help}
    </WrapIfAdditionalTemplate>
  );
}

export const templates: Partial<TemplatesType> = { FieldTemplate };
